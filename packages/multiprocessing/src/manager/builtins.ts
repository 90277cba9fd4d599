/**
 * The Node built-ins only a network manager needs (`node:net`, `node:tls`, `node:crypto`), loaded
 * on first use instead of when `@sabkit/multiprocessing` is imported.
 *
 * Why: Python's module is imported for its Pool far more often than for a network manager, and
 * these three cost more to load than the rest of the package (measured here in a fresh node:
 * importing the package loaded 25 more of Node's internal modules for them, ~20 ms of a ~75 ms
 * import). `process.getBuiltinModule` (Node 20.16+, 22.3+: the package's `engines`) loads a
 * built-in synchronously from an ES module or CommonJS alike, and returns the module instance
 * every other `import` of it gets.
 */
import type * as Crypto from 'node:crypto';
import type * as Net from 'node:net';
import type * as Tls from 'node:tls';

const load = <T>(id: string): T => (process as unknown as { getBuiltinModule(id: string): T }).getBuiltinModule(id);

/** `node:net`, loaded on the first call. */
export const net = (): typeof Net => load('node:net');
/** `node:tls`, loaded on the first call. */
export const tls = (): typeof Tls => load('node:tls');
/** `node:crypto`, loaded on the first call. */
export const crypto = (): typeof Crypto => load('node:crypto');
