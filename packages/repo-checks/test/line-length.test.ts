/**
 * No line of code in the repository is longer than 120 characters.
 *
 * Biome formats to that width, but it cannot break long string literals, template literals or
 * comments; this test catches what it leaves. It lists the tracked source files with `git ls-files`
 * (so ignored and generated files are never read) and names every `file:line (length)` over the limit.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAX = 120;
const PATTERNS = ['*.ts', '*.cts', '*.mts', '*.mjs', '*.js'];

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('line-length test: no pnpm-workspace.yaml above the test file');
    dir = up;
  }
  return dir;
}

const ROOT = findRoot();

test(`every tracked source line is at most ${MAX} characters`, () => {
  const files = execFileSync('git', ['ls-files', '-z', '--', ...PATTERNS], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .split('\0')
    .filter((f) => f !== '');
  assert.ok(files.length > 0, 'git ls-files found no source files');
  const long: string[] = [];
  for (const file of files) {
    // A tracked file deleted in the work tree is not there to read.
    if (!existsSync(join(ROOT, file))) continue;
    const lines = readFileSync(join(ROOT, file), 'utf8').split(/\r?\n/);
    lines.forEach((line, i) => {
      if (line.length > MAX) long.push(`${file}:${i + 1} (${line.length})`);
    });
  }
  assert.deepEqual(long, [], `${long.length} line(s) over ${MAX} characters:\n${long.join('\n')}\n`);
});
