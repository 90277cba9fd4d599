/**
 * What keeps the process alive while a pool has tasks: a ref'd do-nothing interval (workers are
 * unref'd, so an idle pool never blocks exit). Held while tasks are outstanding; let go a
 * turn of the event loop after the last settles, not at once: a message a task posted with
 * parentPort.postMessage() before returning ('message' event) is already in the worker's port
 * when its result is read from the ring, but an unref'd port is not read by a loop that has
 * nothing else to do, so letting go at once lost such messages (seen in about half the runs).
 */
export class KeepAlive {
  /**
   * Made on the first hold(), not with the pool: a process's first timer costs ~0.4 ms (measured
   * here), and the constructor of a fresh process's first pool is on its path to a first result.
   */
  #timer: ReturnType<typeof setInterval> | undefined;
  #held = false;

  hold(): void {
    this.#held = true;
    if (this.#timer === undefined) this.#timer = setInterval(() => {}, 1 << 30);
    else this.#timer.ref();
  }

  /**
   * Lets go once the event loop has polled for I/O again (two check phases from now: the first
   * may come before this turn's poll phase), unless held again meanwhile.
   */
  release(): void {
    this.#held = false;
    // One pending check at a time: it runs at the first check phase after this release, as a new
    // one would. A sequential round trip (await run() in a loop) goes idle after every task, and
    // queued one Immediate per task that each found the pool held again.
    if (this.#pending) return;
    this.#pending = true;
    setImmediate(this.#nextTurn);
  }

  #pending = false;

  readonly #nextTurn = (): void => {
    this.#pending = false;
    if (!this.#held) setImmediate(this.#letGo);
  };

  readonly #letGo = (): void => {
    if (!this.#held) this.#timer?.unref();
  };

  stop(): void {
    clearInterval(this.#timer);
  }
}
