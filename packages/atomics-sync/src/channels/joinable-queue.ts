/**
 * JoinableQueue: Python's `multiprocessing.JoinableQueue`: a Queue that also counts unfinished
 * tasks. Every put adds one; every `taskDone()` removes one; `join()` waits until none is left.
 *
 * Layout: a Queue's (queue.ts), magic JOINABLE_QUEUE_MAGIC, with its two header words in use:
 *
 *     0  Int32  MAGIC         JOINABLE_QUEUE_MAGIC
 *     4  Int32  UNFINISHED    items put and not yet taskDone()'d (>= 0)
 *     8  Int32  JOIN_PARKED   join() callers parked on UNFINISHED
 *    64  ring header, 448 ring data (as Queue)
 *
 * A put counts its item before the item becomes visible (so a consumer's taskDone() can never run
 * ahead of the count) and uncounts it if the put fails; a join() running meanwhile simply waits a
 * little longer. taskDone() is a compare-exchange that never takes the count below zero: a call
 * with nothing unfinished throws TaskDoneError and changes nothing. Joiners park on UNFINISHED;
 * the taskDone() that takes it to 0 wakes them, and only if JOIN_PARKED says someone sleeps.
 *
 * Crashes: a consumer that dies before its taskDone() leaves its item unfinished forever (as in
 * Python), so join() would wait forever: give join a timeout when consumers may die.
 *
 * Layout: docs/layouts/queue.md
 */
import { TaskDoneError } from '../errors.js';
import { JOINABLE_QUEUE_MAGIC, Q_JOIN_PARKED, Q_UNFINISHED, QUEUE_ATTACH, Queue, prepareAttach } from './queue.js';
import { attachNew, registerKind } from '../runtime/shared.js';
import {
  type WaitArg,
  parkAsync,
  parkSync,
  spinWhileEqual,
  syncDeadline,
  timeoutMs,
  waitArgs,
} from '../runtime/wait.js';

/** Python's `multiprocessing.JoinableQueue`. Revive a clone in a worker with `JoinableQueue.from`. */
export class JoinableQueue<T = unknown> extends Queue<T> {
  protected static override readonly kind = 'JoinableQueue';
  protected static override readonly magic = JOINABLE_QUEUE_MAGIC;

  declare readonly __sabkit: 'JoinableQueue';
  // Initialisers, not a constructor: Queue's receives every argument, the hidden one `from` passes too.
  readonly #i32 = new Int32Array(this.buffer);
  readonly #unfinished = (this.byteOffset >> 2) + Q_UNFINISHED;
  readonly #parked = (this.byteOffset >> 2) + Q_JOIN_PARKED;

  /** Attaches to an existing JoinableQueue (its structured clone, or a live one). */
  static override from<T = unknown>(value: unknown): JoinableQueue<T> {
    return attachNew(JoinableQueue<T>, prepareAttach(value, 'JoinableQueue', JOINABLE_QUEUE_MAGIC), QUEUE_ATTACH);
  }

  /** As Queue.put; the item also counts as an unfinished task until a taskDone() for it. */
  override put(item: T, timeout?: number | null): void {
    timeoutMs(timeout, 'JoinableQueue.put: timeout', 'python'); // validate before counting
    Atomics.add(this.#i32, this.#unfinished, 1);
    try {
      super.put(item, timeout);
    } catch (e) {
      this.#finishOne();
      throw e;
    }
  }

  override async putAsync(item: T, wait?: WaitArg): Promise<void> {
    waitArgs(wait, 'JoinableQueue.putAsync'); // validate before counting
    Atomics.add(this.#i32, this.#unfinished, 1);
    try {
      await super.putAsync(item, wait);
    } catch (e) {
      this.#finishOne();
      throw e;
    }
  }

  /**
   * Python's task_done(): tells the queue that one item taken with get() has been processed.
   * Throws TaskDoneError (Python's ValueError) if called more times than items were put.
   */
  taskDone(): void {
    const i32 = this.#i32;
    let v = Atomics.load(i32, this.#unfinished);
    for (;;) {
      if (v <= 0)
        throw new TaskDoneError(
          'JoinableQueue.taskDone: called more times than items were put (no unfinished task is left)',
        );
      const seen = Atomics.compareExchange(i32, this.#unfinished, v, v - 1);
      if (seen === v) break;
      v = seen;
    }
    if (v === 1 && Atomics.load(i32, this.#parked) !== 0) Atomics.notify(i32, this.#unfinished);
  }

  /**
   * Python's join(): waits until every item put has been taskDone()'d. With a timeout (ms, an
   * extension: Python's join has none; read as Python's other timeouts, so 0 or negative does not
   * wait) returns false if tasks were still unfinished then; true otherwise.
   */
  join(timeout?: number | null): boolean {
    const deadline = syncDeadline(timeout, 'JoinableQueue.join', 'python');
    const i32 = this.#i32;
    for (;;) {
      const v = Atomics.load(i32, this.#unfinished);
      if (v === 0) return true;
      if (performance.now() >= deadline) return false;
      if (spinWhileEqual(i32, this.#unfinished, v)) continue;
      Atomics.add(i32, this.#parked, 1);
      try {
        parkSync(i32, this.#unfinished, v, deadline);
      } finally {
        Atomics.sub(i32, this.#parked, 1);
      }
    }
  }

  /**
   * join() without blocking the thread (`wait`: timeout or `{ timeout, signal }`); false on
   * timeout, rejects on abort.
   */
  async joinAsync(wait?: WaitArg): Promise<boolean> {
    const [deadline, signal] = waitArgs(wait, 'JoinableQueue.joinAsync');
    const i32 = this.#i32;
    for (;;) {
      const v = Atomics.load(i32, this.#unfinished);
      if (v === 0) return true;
      if (performance.now() >= deadline) return false;
      Atomics.add(i32, this.#parked, 1);
      try {
        await parkAsync(i32, this.#unfinished, v, deadline, signal);
      } finally {
        Atomics.sub(i32, this.#parked, 1);
      }
    }
  }

  /** Approximate number of unfinished tasks (stale as soon as read). */
  get unfinishedTasks(): number {
    return Atomics.load(this.#i32, this.#unfinished);
  }

  #finishOne(): void {
    if (Atomics.sub(this.#i32, this.#unfinished, 1) === 1 && Atomics.load(this.#i32, this.#parked) !== 0) {
      Atomics.notify(this.#i32, this.#unfinished);
    }
  }
}

registerKind('JoinableQueue', (d) => JoinableQueue.from(d));
