/**
 * The worker entry's V8 code cache, kept in memory for this process (why: worker/launch.cts).
 *
 * One worker at a time is asked to make it (WorkerInit.produceCodeCache). It makes it once its
 * background start-up is done, after its first task if one was waiting. Every worker started after
 * that gets a copy in its start-up record. If the worker that was asked exits first, the next one
 * is asked. Caches are kept per execArgv, because V8 rejects a cache made under other flags.
 *
 * A cache is about 50 KB, and there is at most one per execArgv in use.
 */

interface Entry {
  data: Uint8Array | undefined;
  /** A worker has been asked for it and has not answered yet. */
  asked: boolean;
  /** The worker's entry cannot be cached (the unbundled build): ask no more. */
  unavailable: boolean;
}

const entries = new Map<string, Entry>();

/** The cache key for workers started with `execArgv` (undefined: they inherit the process's). */
export function codeCacheKey(execArgv: readonly string[] | undefined): string {
  return execArgv === undefined ? '' : JSON.stringify(execArgv);
}

/**
 * For a worker about to start: the cache to give it, and whether it is the one asked to make it.
 * The caller must later pass an asked worker's answer to `storeCodeCache`, or `codeCacheNotMade` if
 * it exits without one.
 */
export function codeCacheFor(key: string): { data: Uint8Array | undefined; produce: boolean } {
  let e = entries.get(key);
  if (e === undefined) {
    e = { data: undefined, asked: false, unavailable: false };
    entries.set(key, e);
  }
  const produce = e.data === undefined && !e.asked && !e.unavailable;
  if (produce) e.asked = true;
  return { data: e.data, produce };
}

/** An asked worker's answer: its cache, or undefined if its entry cannot be cached. */
export function storeCodeCache(key: string, data: Uint8Array | undefined): void {
  const e = entries.get(key);
  if (e === undefined) return;
  e.asked = false;
  if (data === undefined) e.unavailable = true;
  else e.data ??= data;
}

/** An asked worker exited before it answered: the next worker will be asked. */
export function codeCacheNotMade(key: string): void {
  const e = entries.get(key);
  if (e !== undefined && e.data === undefined) e.asked = false;
}
