/**
 * Semaphore: Python's `threading.Semaphore` over shared memory (BoundedSemaphore extends it, in
 * bounded-semaphore.ts).
 *
 * Layout (Semaphore.BYTE_LENGTH = 256 bytes, ALIGNMENT = 4), Int32 words:
 *
 *   word 0   VALUE      permits available (>= 0). Waiters park on it while it is 0.
 *   word 1   NWAITERS   acquirers in the slow path; release notifies only when it is > 0
 *   word 2   BOUND      BoundedSemaphore: its initial value, the most VALUE may reach.
 *                       Semaphore: 0, unused.
 *   word 3   FLAGS      RECOVERY_OFF_TRANSFER | RECOVERY_OFF_FULL (sticky): holder records no longer
 *                       mean anything, dead holders' permits are not recovered
 *   words 4 + 2*s, 5 + 2*s, for s < HOLDER_SLOTS: the holder table
 *            HOLDER[s]  0 = free slot, T = thread T-1's record, RECLAIMING = being emptied
 *            HELD[s]    permits that thread holds (acquired and not yet released). Plain
 *                       (non-atomic) accesses: only that thread touches it while it lives; a
 *                       recoverer reads it after the death is published in the liveness table and
 *                       after its own CAS on HOLDER, which order it; it is zeroed before HOLDER
 *                       is freed, and the next claimer's CAS on HOLDER orders that.
 *
 * All-zero memory is a Semaphore with value 0 (and an empty table).
 *
 * Acquire: one CAS decrements VALUE when it is > 0; otherwise the acquirer counts itself in
 * NWAITERS, spins briefly, then parks on VALUE == 0. Release adds to VALUE, then wakes up to n
 * parked waiters if NWAITERS says there are any (both sides use sequentially consistent
 * atomics, so either the waiter sees the new value or the releaser sees the waiter). No order
 * among waiters is promised (as in Python); Atomics.notify wakes the longest parked first.
 *
 * Robustness: permits held by a thread that dies. Each thread that holds permits has a slot in
 * the holder table (claimed on its first acquire, freed when it holds none). An acquirer that
 * finds VALUE at 0 (before parking, and every ROBUST_POLL_MS while parked) looks for slots of
 * dead threads (liveness.ts); it empties such a slot, keeps one of its permits, returns the rest
 * to VALUE (and wakes waiters), and its acquire throws OwnerDeadError: it holds a permit, as
 * after a Lock takeover. Permits of dead holders are returned when someone needs them, not
 * before, so `value` does not show them until then.
 *
 * What recovery covers, and what it cannot:
 *  - It covers threads that acquire permits and release them themselves (a semaphore guarding a
 *    resource). A permit is "held" by the thread that acquired it until that thread releases one.
 *  - It cannot cover a semaphore whose permits move between threads: a signal counter (producers
 *    release, consumers acquire) or a permit acquired in one thread and released in another. A dead
 *    thread's record would then count permits that went into a queue or to another thread, and
 *    returning them would create permits out of thin air. So the first release by a thread holding
 *    fewer permits than it releases turns recovery off for good (RECOVERY_OFF_TRANSFER).
 *  - At most HOLDER_SLOTS threads can hold permits at once with recovery on; a thread that finds the
 *    table full turns recovery off for good (RECOVERY_OFF_FULL).
 *  - A thread terminated between its two steps of an acquire (record, then take) or a release (give
 *    back, then unrecord) leaves its record off by one; the order is chosen so that the error is one
 *    permit too many, never a permit lost for ever. BoundedSemaphore never exceeds its bound.
 *  - As for locks: only deaths the liveness table knows of (see liveness.ts), and nothing for a
 *    thread that is alive but stuck.
 *
 * Layout: docs/layouts/semaphore.md
 */
import { InvalidArgumentError, OwnerDeadError, SemaphoreOverflowError, describe } from '../errors.js';
import { isThreadDead } from '../runtime/liveness.js';
import {
  KIND_PROPERTY,
  type SharedDescriptor,
  type SharedRegion,
  allocateRegion,
  attachNew,
  checkRegion,
  defineShared,
  expectDescriptor,
  registerKind,
} from '../runtime/shared.js';
import {
  SPIN_ITERATIONS,
  type WaitArg,
  parkAsync,
  spinWhileEqual,
  syncDeadline,
  throwIfAborted,
  waitArgs,
} from '../runtime/wait.js';
import { ROBUST_POLL_MS, SELF, assertOwnerIdFits } from './lock-core.js';

/** Word indexes. */
const VALUE = 0;
const NWAITERS = 1;
const BOUND = 2;
const FLAGS = 3;
const TABLE = 4;
/** FLAGS bit: a thread released permits it did not hold; records no longer mean "held". */
export const RECOVERY_OFF_TRANSFER = 1;
/** FLAGS bit: more than HOLDER_SLOTS threads held permits at once. */
export const RECOVERY_OFF_FULL = 2;
/** HOLDER value while a recovering thread empties a dead thread's slot. */
const RECLAIMING = -1;
/**
 * Threads that may hold permits at once with recovery on. 30 slots fill the object to 256 bytes
 * (four cache lines); a semaphore is typically shared by a pool of workers, a few per core.
 */
export const HOLDER_SLOTS = 30;
/** The largest value a semaphore can hold (VALUE is an Int32). */
export const SEMAPHORE_MAX_VALUE = 0x7fffffff;

const ACQUIRED = -1;
const TIMED_OUT = -2;

/** The constructor's hidden last argument from attachSemaphore: attach, do not initialise. */
const ATTACH = Symbol('Semaphore: attach');

/** For Semaphore's and subclasses' `from`: builds a `ctor` over an existing descriptor without initialising it. */
export function attachSemaphore<T>(ctor: abstract new (...args: never[]) => T, d: SharedDescriptor): T {
  checkRegion(d[KIND_PROPERTY], d.buffer, d.byteOffset, Semaphore.BYTE_LENGTH, Semaphore.ALIGNMENT);
  return attachNew(ctor, 0, d, ATTACH);
}

function checkInitial(kind: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > SEMAPHORE_MAX_VALUE) {
    throw new InvalidArgumentError(
      `${kind}: value must be an integer from 0 to ${SEMAPHORE_MAX_VALUE}, got ${describe(value)}`,
    );
  }
  return value;
}

export class Semaphore {
  /** Bytes of shared memory a Semaphore (or BoundedSemaphore) occupies. */
  static readonly BYTE_LENGTH = (TABLE + 2 * HOLDER_SLOTS) * 4;
  /** Required alignment of its byteOffset. */
  static readonly ALIGNMENT = 4;
  /** The kind tag; BoundedSemaphore overrides it. */
  protected static readonly kind: string = 'Semaphore';

  declare readonly __sabkit: 'Semaphore' | 'BoundedSemaphore';
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  readonly #i32: Int32Array;
  readonly #bounded: boolean;
  readonly #kind: string;
  readonly #acquireName: string; // built once: acquire is a hot path
  /** Hint: the table slot this thread last held (checked before use; another view may have freed it). */
  #slot = -1;

  /** A semaphore with `value` permits, in its own memory or in `region` (which it initialises). */
  constructor(value?: number, region?: SharedRegion);
  constructor(value = 1, region?: SharedRegion, attach?: symbol) {
    const kind = (new.target as unknown as { kind: string }).kind;
    assertOwnerIdFits(kind);
    const a = attach === ATTACH;
    if (!a) checkInitial(kind, value);
    const { buffer, byteOffset } = a
      ? (region as SharedDescriptor)
      : allocateRegion(kind, Semaphore.BYTE_LENGTH, Semaphore.ALIGNMENT, region);
    defineShared(this, kind, buffer, byteOffset);
    this.#kind = kind;
    this.#acquireName = `${kind}.acquire`;
    this.#bounded = kind !== 'Semaphore';
    this.#i32 = new Int32Array(buffer, byteOffset, Semaphore.BYTE_LENGTH / 4);
    if (!a) {
      this.#i32.fill(0);
      Atomics.store(this.#i32, BOUND, this.#bounded ? value : 0);
      Atomics.store(this.#i32, VALUE, value);
    }
  }

  /** Makes a Semaphore that travelled through postMessage / workerData live again, over the same memory. */
  static from(value: unknown): Semaphore {
    return attachSemaphore(Semaphore, expectDescriptor<SharedDescriptor>(value, 'Semaphore'));
  }

  /** Permits available now. Racy: stale as soon as it returns; dead holders' permits show once recovered. */
  get value(): number {
    return Atomics.load(this.#i32, VALUE);
  }

  /**
   * Takes a permit, waiting at most `timeout` ms (undefined, null, Infinity: no limit; 0 or
   * negative: no waiting, as Python's `Semaphore.acquire(timeout=-1)`). Returns false on timeout.
   * Throws OwnerDeadError after recovering a dead holder's permits (it holds one).
   */
  acquire(timeout?: number | null): boolean {
    const deadline = syncDeadline(timeout, this.#acquireName, 'python');
    if (this.#take()) return true;
    Atomics.add(this.#i32, NWAITERS, 1);
    let r = TIMED_OUT;
    try {
      // Spin once per wake-up cycle: a permit released within microseconds is taken without a
      // park; past SPIN_ITERATIONS the waiter parks (see wait.ts for the budget). A call that may
      // not wait does not spin either.
      let spin = deadline > performance.now();
      for (;;) {
        if ((r = this.#attempt()) !== TIMED_OUT) break;
        if (spin) {
          spin = false;
          if (spinWhileEqual(this.#i32, VALUE, 0, SPIN_ITERATIONS)) continue;
        }
        const now = performance.now();
        if (now >= deadline) break;
        Atomics.wait(this.#i32, VALUE, 0, Math.min(deadline - now, ROBUST_POLL_MS));
        spin = true;
      }
    } finally {
      this.#leave(r);
    }
    return this.#settle(r, 'acquire');
  }

  /** Takes a permit only if one is available now (or recoverable from a dead holder). */
  tryAcquire(): boolean {
    return this.#take() || this.#settle(this.#attempt(), 'tryAcquire');
  }

  /**
   * Like acquire, without blocking the thread; `wait` is acquire's timeout or `{ timeout, signal }`.
   * Rejects with `signal.reason` on abort (no permit taken).
   */
  async acquireAsync(wait?: WaitArg): Promise<boolean> {
    const [deadline, signal] = waitArgs(wait, `${this.#kind}.acquireAsync`);
    throwIfAborted(signal);
    if (this.#take()) return true;
    Atomics.add(this.#i32, NWAITERS, 1);
    let r = TIMED_OUT;
    try {
      for (;;) {
        if ((r = this.#attempt()) !== TIMED_OUT) break;
        const now = performance.now();
        if (now >= deadline) break;
        await parkAsync(this.#i32, VALUE, 0, Math.min(deadline, now + ROBUST_POLL_MS), signal);
      }
    } finally {
      this.#leave(r);
    }
    return this.#settle(r, 'acquireAsync');
  }

  /**
   * Returns `n` permits and wakes up to `n` waiters. A BoundedSemaphore throws
   * SemaphoreOverflowError, changing nothing, if that would exceed its initial value.
   */
  release(n = 1): void {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > SEMAPHORE_MAX_VALUE) {
      throw new InvalidArgumentError(
        `${this.#kind}.release: n must be an integer from 1 to ${SEMAPHORE_MAX_VALUE}, got ${describe(n)}`,
      );
    }
    const i32 = this.#i32;
    const limit = this.#bounded ? Atomics.load(i32, BOUND) : SEMAPHORE_MAX_VALUE;
    let v = Atomics.load(i32, VALUE);
    for (;;) {
      if (v > limit - n) {
        throw this.#bounded
          ? new SemaphoreOverflowError(
              `${this.#kind}.release: releasing ${n} would raise the value from ${v} above its initial value ${limit}`,
            )
          : new SemaphoreOverflowError(
              `${this.#kind}.release: releasing ${n} would raise the value from ${v} above ${SEMAPHORE_MAX_VALUE}`,
            );
      }
      const w = Atomics.compareExchange(i32, VALUE, v, v + n);
      if (w === v) break;
      v = w;
    }
    if (Atomics.load(i32, NWAITERS) > 0) Atomics.notify(i32, VALUE, n);
    this.#unrecord(n);
  }

  toString(): string {
    return `${this.#kind}(value=${this.value})`;
  }

  // --- permits ---------------------------------------------------------------------------------

  /** One permit if VALUE > 0 (recorded first, so a death in between over-counts, never loses). */
  #take(): boolean {
    const i32 = this.#i32;
    let v = Atomics.load(i32, VALUE);
    if (v <= 0) return false;
    this.#record();
    for (;;) {
      const w = Atomics.compareExchange(i32, VALUE, v, v - 1);
      if (w === v) return true;
      if (w <= 0) break;
      v = w;
    }
    this.#unrecord(1);
    return false;
  }

  /** One slow-path try: a free permit, or one recovered from a dead holder. */
  #attempt(): number {
    if (this.#take()) return ACQUIRED;
    return Atomics.load(this.#i32, FLAGS) === 0 ? this.#recover() : TIMED_OUT;
  }

  #leave(r: number): void {
    Atomics.sub(this.#i32, NWAITERS, 1);
    // A release may have woken us for a permit we are not taking: pass the wake-up on.
    if (r === TIMED_OUT && Atomics.load(this.#i32, VALUE) > 0) Atomics.notify(this.#i32, VALUE, 1);
  }

  #settle(r: number, method: string): boolean {
    if (r === ACQUIRED) return true;
    if (r === TIMED_OUT) return false;
    throw new OwnerDeadError(
      `${this.#kind}.${method}: thread ${r} died holding permits; they were recovered and this thread holds one of them (repair what that thread left half-done)`,
      r,
    );
  }

  // --- holder table ----------------------------------------------------------------------------

  /**
   * Records one more permit held by this thread. Fast path: the slot this view used last, still
   * ours or free again. A thread may end up with two slots (two views of one semaphore in one
   * thread, each with its own hint); #unrecord sums them, so that costs nothing but a slot.
   */
  #record(): void {
    const i32 = this.#i32;
    if (Atomics.load(i32, FLAGS) !== 0) return;
    const hint = this.#slot;
    if (hint >= 0) {
      const h = Atomics.load(i32, TABLE + 2 * hint);
      if (h === SELF || (h === 0 && Atomics.compareExchange(i32, TABLE + 2 * hint, 0, SELF) === 0)) {
        i32[TABLE + 2 * hint + 1]++;
        return;
      }
    }
    let s = this.#ownSlots(-1);
    for (let t = 0; s < 0 && t < HOLDER_SLOTS; t++) {
      if (Atomics.compareExchange(i32, TABLE + 2 * t, 0, SELF) === 0) s = t;
    }
    if (s < 0) {
      Atomics.or(i32, FLAGS, RECOVERY_OFF_FULL);
      return;
    }
    this.#slot = s;
    i32[TABLE + 2 * s + 1]++;
  }

  /** The first slot after `after` that this thread owns, or -1. */
  #ownSlots(after: number): number {
    for (let s = after + 1; s < HOLDER_SLOTS; s++) if (Atomics.load(this.#i32, TABLE + 2 * s) === SELF) return s;
    return -1;
  }

  /**
   * Records `n` permits given back by this thread; a slot that reaches 0 is freed. Releasing more
   * than this thread holds means permits move between threads: recovery goes off for good.
   */
  #unrecord(n: number): void {
    const i32 = this.#i32;
    if (Atomics.load(i32, FLAGS) !== 0) return;
    const hint = this.#slot;
    if (hint >= 0 && Atomics.load(i32, TABLE + 2 * hint) === SELF) {
      const held = i32[TABLE + 2 * hint + 1];
      if (held >= n) {
        i32[TABLE + 2 * hint + 1] = held - n;
        if (held === n) Atomics.store(i32, TABLE + 2 * hint, 0);
        return;
      }
    }
    let total = 0;
    for (let s = this.#ownSlots(-1); s >= 0; s = this.#ownSlots(s)) total += i32[TABLE + 2 * s + 1];
    if (total < n) {
      Atomics.or(i32, FLAGS, RECOVERY_OFF_TRANSFER);
      return;
    }
    for (let s = this.#ownSlots(-1); s >= 0 && n > 0; s = this.#ownSlots(s)) {
      const held = i32[TABLE + 2 * s + 1];
      const k = Math.min(held, n);
      n -= k;
      i32[TABLE + 2 * s + 1] = held - k;
      if (held === k) Atomics.store(i32, TABLE + 2 * s, 0);
    }
  }

  /**
   * Empties the first dead holder's slot that has permits: keeps one for this thread, returns the
   * rest. Returns the dead thread's id, or TIMED_OUT if there was nothing to recover.
   */
  #recover(): number {
    const i32 = this.#i32;
    for (let s = 0; s < HOLDER_SLOTS; s++) {
      const h = Atomics.load(i32, TABLE + 2 * s);
      if (h <= 0 || h === SELF || !isThreadDead(h - 1)) continue;
      if (Atomics.compareExchange(i32, TABLE + 2 * s, h, RECLAIMING) !== h) continue;
      // The slot is ours alone now: its thread is dead and other recoverers see RECLAIMING.
      const held = i32[TABLE + 2 * s + 1];
      i32[TABLE + 2 * s + 1] = 0;
      Atomics.store(i32, TABLE + 2 * s, 0);
      if (held <= 0) continue;
      this.#record();
      if (held > 1) this.#giveBack(held - 1);
      return h - 1;
    }
    return TIMED_OUT;
  }

  /** Adds recovered permits to VALUE, never above the bound, and wakes waiters for them. */
  #giveBack(k: number): void {
    const i32 = this.#i32;
    const limit = this.#bounded ? Atomics.load(i32, BOUND) : SEMAPHORE_MAX_VALUE;
    let v = Atomics.load(i32, VALUE);
    for (;;) {
      const add = Math.min(k, limit - v);
      if (add <= 0) return;
      const w = Atomics.compareExchange(i32, VALUE, v, v + add);
      if (w === v) {
        if (Atomics.load(i32, NWAITERS) > 0) Atomics.notify(i32, VALUE, add);
        return;
      }
      v = w;
    }
  }
}

registerKind('Semaphore', (d) => Semaphore.from(d));
