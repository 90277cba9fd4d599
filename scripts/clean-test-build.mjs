#!/usr/bin/env node
// Removes a package's compiled tests and examples (.test-build/) before they are compiled again,
// so a test file that was renamed or deleted cannot linger there and run (and pass) in its place.
// Run from the package directory, first in its `test` and `demo` scripts.
import { rmSync } from 'node:fs';
import { join } from 'node:path';

rmSync(join(process.cwd(), '.test-build'), { recursive: true, force: true });
