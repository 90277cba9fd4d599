/**
 * Paces worker starts so that a big pool never holds the event loop for long.
 *
 * `new Worker` is synchronous: the thread and its isolate are set up and the options cloned on the
 * calling thread, 5 to 25 ms each on this 2-core machine. 200 of them in a row (`new Pool(200)`)
 * froze the event loop for 2.3 to 4.8 s, with no timer, I/O or result served meanwhile.
 *
 * A turn of the event loop (from one check phase to the next) may start STARTS_PER_TURN workers
 * at once, and more only while the starts of that turn took under SLICE_MS in all. No turn starts a worker while
 * MAX_BOOTING are booting. The floor keeps
 * piscina's observable behaviour for the pools its own tests build: the constructor starts
 * minThreads workers and each run() that finds no free worker starts one, and the tests count
 * `pool.threads` right after (task-queue.test.ts: 2 from the constructor, then a third from a run()
 * in the same turn). Starts beyond the turn's allowance are not dropped: the owner asks for a
 * later turn (later()), where its tick starts at least one worker and more while the slice lasts,
 * then asks for the next turn if it still wants workers. Between ticks the loop runs timers, I/O
 * and the new workers' results, so a big pool takes work from its first workers while the rest
 * are still being started.
 *
 * Ticks run from setImmediate: the loop polls for I/O before each (an immediate queued by an
 * immediate runs in the next iteration). They are unref'd: a program with nothing else to do need
 * not wait for the rest of a pool to start (tasks waiting for a worker keep the loop alive
 * through the pool's own KeepAlive).
 */

import { availableParallelism } from 'node:os';

/** Starts a turn may always make (see above: what piscina's own tests count). */
export const STARTS_PER_TURN = 4;

/** Time in `new Worker` a turn may spend beyond STARTS_PER_TURN, and a background tick in all. */
export const SLICE_MS = 8;

/**
 * Workers that may be booting at once, past which no new one is started until one is ready or
 * gone. A boot is CPU work (an isolate, Node's bootstrap, the entry and task modules): more
 * booting threads than twice the cores only share the same cores, and with 200 booting at once
 * here a single `new Worker` took up to 2 s on the main thread (thread creation contends with the
 * booting threads' memory mappings). Never below STARTS_PER_TURN, so that small pools start as
 * piscina's do.
 */
export const MAX_BOOTING = Math.max(STARTS_PER_TURN, 2 * availableParallelism());

export class StartPacer {
  readonly #tick: () => void;
  #starts = 0;
  #ms = 0;
  #turnEnds: ReturnType<typeof setImmediate> | undefined;
  #pending: ReturnType<typeof setImmediate> | undefined;
  #stopped = false;

  /** `tick` is called at a later turn after later(); it starts what is still wanted. */
  constructor(tick: () => void) {
    this.#tick = tick;
  }

  /** Whether one more worker may start synchronously in this turn, `booting` being booting. */
  mayStartNow(booting: number): boolean {
    return booting < MAX_BOOTING && (this.#starts < STARTS_PER_TURN || this.#ms < SLICE_MS);
  }

  /** Whether a background tick that already started a worker may start another. */
  sliceLeft(): boolean {
    return this.#ms < SLICE_MS;
  }

  /** Runs `start` (one `new Worker`), charging its time to this turn. */
  time<T>(start: () => T): T {
    const t0 = performance.now();
    try {
      return start();
    } finally {
      this.#starts++;
      this.#ms += performance.now() - t0;
      if (this.#turnEnds === undefined) {
        this.#turnEnds = setImmediate(this.#newTurn);
        this.#turnEnds.unref();
      }
    }
  }

  readonly #newTurn = (): void => {
    this.#turnEnds = undefined;
    this.#starts = 0;
    this.#ms = 0;
  };

  /** Asks for a tick at a later turn (one at a time). */
  later(): void {
    if (this.#stopped || this.#pending !== undefined) return;
    this.#pending = setImmediate(this.#run);
    this.#pending.unref();
  }

  readonly #run = (): void => {
    this.#pending = undefined;
    // A tick is a turn of its own: it gets a fresh slice even if the turn's reset has not run.
    this.#newTurn();
    if (this.#turnEnds !== undefined) {
      clearImmediate(this.#turnEnds);
      this.#turnEnds = undefined;
    }
    if (!this.#stopped) this.#tick();
  };

  /** No more ticks (the pool is being destroyed). */
  stop(): void {
    this.#stopped = true;
    if (this.#pending !== undefined) clearImmediate(this.#pending);
    this.#pending = undefined;
  }
}
