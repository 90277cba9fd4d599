/**
 * A shared table's calls on a browser's page, which may not park in Atomics.wait: each operation
 * is tried (its lock spins briefly, then throws BlockingNotAllowedError with nothing changed:
 * shared-dict-layout.ts), and while the lock is busy the page waits for it with
 * Atomics.waitAsync, counted among the lock's WAITERS so that the unlock notifies it, then retries.
 * A wait is bounded by RETRY_MS, so a wake-up given to another waiter costs at most that.
 */
import { BlockingNotAllowedError } from '@sabkit/atomics-sync';
import { LOCK, WAITERS } from './shared-dict-layout.js';

/** Longest wait for the table's lock before the page tries again (ms). */
export const RETRY_MS = 5;

/** Runs `ops` in order, each once it gets the table's lock; resolves with the last one's value. */
export async function withoutBlocking(table: SharedArrayBuffer, ops: ReadonlyArray<() => unknown>): Promise<unknown> {
  const i32 = new Int32Array(table, 0, 2);
  let value: unknown;
  for (const op of ops) {
    for (;;) {
      try {
        value = op();
        break;
      } catch (e) {
        if (!(e instanceof BlockingNotAllowedError)) throw e;
      }
      Atomics.add(i32, WAITERS, 1);
      try {
        const held = Atomics.load(i32, LOCK);
        const r = held === 0 ? undefined : Atomics.waitAsync(i32, LOCK, held, RETRY_MS);
        if (r?.async) await r.value;
      } finally {
        Atomics.sub(i32, WAITERS, 1);
      }
    }
  }
  return value;
}
