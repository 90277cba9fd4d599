/**
 * `@sabkit/piscina/internal`: the seam @sabkit/multiprocessing builds on. UNSTABLE: not part of
 * the public API, may change in any release, and not for use outside sabkit's own packages.
 *
 * It is a separate entry so that code running inside a pool worker (a Pool's chunk runner, an
 * inline task's loader) loads three small modules instead of the package index, which pulls in
 * the whole main-thread engine.
 */
export { holdEventLoop, workerGlobalState } from './worker-state.js';
export { move } from './transfer.js';
export { TaskModuleError, WorkerStartError } from './errors.js';
export { checkWorkerFile } from './worker-file.js';
export { setPoolMode, type PoolMode } from './engine/modes.js';
