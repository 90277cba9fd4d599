/**
 * What @sabkit/multiprocessing's Pool asks of the engine beyond piscina's behaviour, through
 * `@sabkit/piscina/internal` (setPoolMode on the options object given to the constructor):
 *  - daemon: the pool's tasks do not keep the process alive. piscina's do (a pending run() holds
 *    the event loop until it settles); Python's pool workers are daemons, terminated at exit, and
 *    the Pool keeps the process alive only while someone waits for a result;
 *  - backgroundStart: the constructor starts its workers paced as well (start-pacer.ts). piscina's
 *    constructor starts all minThreads at once, and its own tests count `pool.threads` right after
 *    it (thread-count.test.ts: 16), so a Piscina keeps that; `new Pool(200)` does not freeze the
 *    event loop for seconds.
 */
export interface PoolMode {
  readonly daemon?: boolean;
  readonly backgroundStart?: boolean;
}

const modes = new WeakMap<object, PoolMode>();

/** Marks `options` so that the pool constructed with them behaves as `mode` says; returns them. */
export function setPoolMode<T extends object>(options: T, mode: PoolMode): T {
  modes.set(options, mode);
  return options;
}

/** The mode set for `options`, if any. */
export function poolModeOf(options: unknown): PoolMode {
  return (typeof options === 'object' && options !== null && modes.get(options)) || {};
}
