/**
 * Semaphore: Python's `threading.Semaphore` over shared memory (BoundedSemaphore extends it, in
 * bounded-semaphore.ts).
 *
 * Layout (Semaphore.BYTE_LENGTH = 256 bytes, ALIGNMENT = 4), Int32 words, drawn in semaphore-core.ts:
 * VALUE (permits available; waiters park on it while it is 0), NWAITERS (acquirers in the slow
 * path), INITIAL (the value it was made with; the bound), FLAGS (recovery off), RECOVER_LOCK, then
 * the holder table.
 * All-zero memory is a Semaphore with value 0 (and an empty table).
 *
 * Acquire: one CAS decrements VALUE when it is > 0; otherwise the acquirer counts itself in
 * NWAITERS, spins briefly, then parks on VALUE == 0. Release adds to VALUE, then wakes up to n
 * parked waiters if NWAITERS says there are any (both sides use sequentially consistent
 * atomics, so either the waiter sees the new value or the releaser sees the waiter). No order
 * among waiters is promised (as in Python); Atomics.notify wakes the longest parked first.
 *
 * Robustness: each thread that holds permits has a record in the holder table; an acquirer that
 * finds VALUE at 0 recovers the permits of dead holders (never one more than they held) and its
 * acquire throws OwnerDeadError while it holds one of them. `recovery` says whether recovery is
 * on (semaphore-core.ts says what it covers and what it cannot).
 *
 * Layout: docs/layouts/semaphore.md
 */
import { InvalidArgumentError, OwnerDeadError, SemaphoreOverflowError, describe } from '../errors.js';
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
import { ROBUST_POLL_MS, assertOwnerIdFits } from './lock-core.js';
import {
  FLAGS,
  INITIAL,
  NWAITERS,
  SEMAPHORE_MAX_VALUE,
  type SemaphoreRecovery,
  VALUE,
  beginGive,
  beginTake,
  endOp,
  recoverDead,
  recoveryOf,
  semaphoreByteLength,
} from './semaphore-core.js';

export { HOLDER_SLOTS, SEMAPHORE_MAX_VALUE, type SemaphoreRecovery } from './semaphore-core.js';

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

/**
 * Python's `threading.Semaphore` in shared memory: `new Semaphore(value = 1)` permits.
 * `acquire(timeout?)` waits at most `timeout` ms (negative: not at all, as Python) and returns
 * `false` on timeout; `release(n = 1)` adds permits. A value that is not an integer from 0 to
 * `SEMAPHORE_MAX_VALUE` throws `InvalidArgumentError`. Revive a clone with `Semaphore.from`.
 */
export class Semaphore {
  /** Bytes of shared memory a Semaphore (or BoundedSemaphore) occupies. */
  static readonly BYTE_LENGTH = semaphoreByteLength();
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
  readonly #at = { slot: -1 };

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
      Atomics.store(this.#i32, INITIAL, value);
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
   * Whether permits of holders that die are recovered: 'on'; 'off-transfer' once a thread released
   * permits it did not hold (a signal counter: permits move between threads, so records no longer
   * say who holds what); 'off-full' once more than HOLDER_SLOTS threads held permits at once. Off is
   * for good: a holder that dies then keeps its permits (check this before relying on recovery).
   */
  get recovery(): SemaphoreRecovery {
    return recoveryOf(this.#i32);
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
    const limit = this.#bounded ? Atomics.load(i32, INITIAL) : SEMAPHORE_MAX_VALUE;
    let v = Atomics.load(i32, VALUE);
    const s = Atomics.load(i32, FLAGS) === 0 && v <= limit - n ? beginGive(i32, this.#at.slot, n) : -1;
    for (;;) {
      if (v > limit - n) {
        endOp(i32, s, 0);
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
    endOp(i32, s, -n);
    if (Atomics.load(i32, NWAITERS) > 0) Atomics.notify(i32, VALUE, n);
  }

  toString(): string {
    return `${this.#kind}(value=${this.value})`;
  }

  // --- permits ---------------------------------------------------------------------------------

  /** One permit if VALUE > 0, bracketed in this thread's holder slot (semaphore-core.ts). */
  #take(): boolean {
    const i32 = this.#i32;
    let v = Atomics.load(i32, VALUE);
    if (v <= 0) return false;
    const s = beginTake(i32, this.#at.slot);
    if (s >= 0) this.#at.slot = s;
    for (;;) {
      const w = Atomics.compareExchange(i32, VALUE, v, v - 1);
      if (w === v) {
        endOp(i32, s, 1);
        return true;
      }
      if (w <= 0) break;
      v = w;
    }
    endOp(i32, s, 0);
    return false;
  }

  /** One slow-path try: a free permit, or one recovered from a dead holder. */
  #attempt(): number {
    if (this.#take()) return ACQUIRED;
    return Atomics.load(this.#i32, FLAGS) === 0 ? recoverDead(this.#i32, this.#at) : TIMED_OUT;
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
      `${this.#kind}.${method}: thread ${r} died holding permits; they were recovered and this thread ` +
        'holds one of them (repair what that thread left half-done)',
      r,
    );
  }
}

registerKind('Semaphore', (d) => Semaphore.from(d));
