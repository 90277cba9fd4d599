/**
 * `@sabkit/multiprocessing` in a browser (the `browser` export condition; built by
 * scripts/build-browser.mjs): Pool (module tasks by URL and inline functions, the same closure
 * rules as on Node) over @sabkit/piscina's browser engine, and the synchronisation and shared
 * memory of atomics-sync; Process as a module Web Worker; the parallel loops on a Pool; Manager,
 * SyncManager and BaseManager with their server in a module Web Worker (manager/platform.browser.ts),
 * local only: a network manager is refused (ManagerNetworkUnavailableError: no sockets).
 */
import { requireSharedMemory } from '@sabkit/atomics-sync';
import { Pool as NodePool } from './pool/pool.js';
import type { PoolOptions } from './pool/options.js';

/** Pool, failing first with the named error where the page has no SharedArrayBuffer. */
export class Pool extends NodePool {
  constructor(options?: number | PoolOptions) {
    requireSharedMemory('a Pool');
    super(options);
  }
}

// The rest is the Node entry's: one list (./exports.ts).
export * from './exports.js';
