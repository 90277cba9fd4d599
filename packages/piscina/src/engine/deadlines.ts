/**
 * Task timeouts with one timer for the whole pool: a binary min-heap of (deadline, task) and one
 * unref'd setTimeout armed for the earliest deadline (a timer per task would cost more than a tiny
 * task itself).
 *
 * Tasks that settle early leave their entry behind (removing from the middle of a heap costs a
 * search); the heap is compacted, dropping entries `live` rejects, whenever it has doubled since
 * the last compaction, so it never holds more than about twice the live entries (plus 1024) and
 * the work is amortised O(1) per add.
 *
 * A deadline here is only a lower bound: a task's timeout counts from its start in the worker,
 * which the main thread learns from the slot's start time when the deadline comes up. The owner's
 * `check` callback decides: expired (the task is cancelled), or a later deadline (re-queued).
 */

interface Entry {
  at: number;
  task: unknown;
}

export class Deadlines<T> {
  readonly #heap: Entry[] = [];
  readonly #check: (task: T, now: number) => number | undefined;
  readonly #live: (task: T) => boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #compactAt = 1024;

  /**
   * @param check  called for a task whose deadline came up; returns a new deadline
   *               (performance.now() clock) to keep watching it, or undefined to drop it
   * @param live   whether a task still needs watching (false once it settled)
   */
  constructor(check: (task: T, now: number) => number | undefined, live: (task: T) => boolean) {
    this.#check = check;
    this.#live = live;
  }

  get size(): number {
    return this.#heap.length;
  }

  add(task: T, at: number): void {
    const heap = this.#heap;
    if (heap.length >= this.#compactAt) this.#compact();
    heap.push({ at, task });
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p].at <= heap[i].at) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
    if (at < this.#timerAt) this.#arm();
  }

  #compact(): void {
    const kept = this.#heap.filter((e) => this.#live(e.task as T));
    kept.sort((a, b) => a.at - b.at); // a sorted array is a valid min-heap
    this.#heap.length = 0;
    for (const e of kept) this.#heap.push(e);
    this.#compactAt = Math.max(1024, 2 * kept.length);
    this.#arm();
  }

  clear(): void {
    this.#heap.length = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #pop(): Entry {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l].at < heap[m].at) m = l;
        if (r < heap.length && heap[r].at < heap[m].at) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  }

  #arm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#heap.length === 0) return;
    const at = this.#heap[0].at;
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - performance.now()));
    this.#timer.unref?.();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now();
    const again: Entry[] = [];
    while (this.#heap.length > 0 && this.#heap[0].at <= now) {
      const e = this.#pop();
      const next = this.#check(e.task as T, now);
      if (next !== undefined) again.push({ at: Math.max(next, now + 0.1), task: e.task });
    }
    for (const e of again) this.add(e.task as T, e.at);
    this.#arm();
  }
}
