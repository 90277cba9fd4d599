// Public API of @sabkit/multiprocessing: Python's `multiprocessing` module in one import, as
// `from multiprocessing import Pool, Process, Queue, Lock, Value, Manager` reads in Python. This
// file only re-exports: the Pool here, the rest from ./exports.ts (shared with the browser entry).

// Pools of workers (on @sabkit/piscina's engine); their results and options are in ./exports.ts.
export { Pool } from './pool/pool.js';
export * from './exports.js';
