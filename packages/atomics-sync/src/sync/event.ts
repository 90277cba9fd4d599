/**
 * Event: Python's `threading.Event` on one shared word.
 *
 * Layout (EVENT_BYTE_LENGTH = 4 bytes, EVENT_ALIGNMENT = 4), from the object's byteOffset:
 *
 *   byte 0  Int32  STATE   bit 0      FLAG_BIT: 1 while the event is set
 *                          bits 1..31 generation: +1 on every unset -> set transition (wraps)
 *
 *   all zero = unset, generation 0 (a valid initial state: a caller's zeroed region needs no
 *   initialising).
 *
 * Why a generation and not just a flag: Python's Event.wait() is a Condition wait, so a `set()`
 * followed at once by `clear()` still wakes every thread that was blocked and each of their waits
 * returns True. A waiter here remembers the word it saw (flag clear, generation g) and parks on
 * it; `clear()` of a clear event never writes, so the word can only leave that value through a
 * `set()`. Any change seen after waking therefore means "a set happened while I waited" (true),
 * even if the flag is clear again by then. The one blind spot: a waiter that sleeps through exactly
 * 2^31 set/clear pairs sees its old word again and keeps waiting (ABA), which at ~1 µs per pair
 * takes over half an hour of nothing but set/clear.
 *
 * A setter killed between its CAS and its notify leaves the word set and its waiters asleep: they
 * park at most ROBUST_POLL_MS at a time and look again, so the set is late, never lost.
 *
 * Layout: docs/layouts/event.md
 */
import {
  allocateRegion,
  attachNew,
  checkRegion,
  defineShared,
  expectDescriptor,
  registerKind,
  type SharedDescriptor,
  type SharedRegion,
} from '../runtime/shared.js';
import {
  type WaitArg,
  assertCanBlock,
  deadlineFrom,
  parkAsync,
  parkSync,
  spinWhileEqual,
  throwIfAborted,
  waitArgs,
} from '../runtime/wait.js';
import { ROBUST_POLL_MS } from './lock-core.js';

/** Bytes an Event occupies. */
export const EVENT_BYTE_LENGTH = 4;
/** Required alignment of an Event's byteOffset. */
export const EVENT_ALIGNMENT = 4;
/** Int32 index (from the object's start) of the state word. */
export const EVENT_STATE = 0;
/** Bit of the state word that is 1 while the event is set. */
export const EVENT_FLAG_BIT = 1;
/** What one set() adds to the state word: the generation lives above FLAG_BIT. */
export const EVENT_GENERATION_UNIT = 2;

const KIND = 'Event';

/** Passed by Event.from as the constructor's hidden last argument: attach, do not initialise. */
const ATTACH = Symbol('Event: attach');

/** A serialised Event (what structured clone makes of one). */
export interface EventDescriptor extends SharedDescriptor {
  readonly __sabkit: 'Event';
}

/**
 * Python's `threading.Event`: a flag that threads can wait for. Share it by sending it to a worker
 * (postMessage, workerData) and calling `Event.from(value)` (or `revive(value)`) there.
 */
export class Event {
  static readonly BYTE_LENGTH = EVENT_BYTE_LENGTH;
  static readonly ALIGNMENT = EVENT_ALIGNMENT;

  declare readonly __sabkit: 'Event';
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  readonly #i32: Int32Array;

  /**
   * A new, unset Event. With a region, it lives at `region.byteOffset` in `region.buffer` (4 bytes,
   * 4-aligned); the word is written to zero (unset), so do not construct over a live Event: attach
   * to it with `Event.from`.
   */
  constructor(region?: SharedRegion);
  constructor(region?: SharedRegion, attach?: symbol) {
    const existing = attach === ATTACH;
    const { buffer, byteOffset } = existing
      ? (region as SharedDescriptor)
      : allocateRegion(KIND, EVENT_BYTE_LENGTH, EVENT_ALIGNMENT, region);
    defineShared(this, KIND, buffer, byteOffset);
    this.#i32 = new Int32Array(buffer, byteOffset, EVENT_BYTE_LENGTH / 4);
    if (!existing) Atomics.store(this.#i32, EVENT_STATE, 0);
  }

  /** Attaches to an existing Event (its structured clone, or a live one) without initialising it. */
  static from(value: unknown): Event {
    const d = expectDescriptor<EventDescriptor>(value, KIND);
    checkRegion(KIND, d.buffer, d.byteOffset, EVENT_BYTE_LENGTH, EVENT_ALIGNMENT);
    return attachNew(Event, d, ATTACH);
  }

  /** True while the event is set. A racy read: stale as soon as another thread sets or clears it. */
  isSet(): boolean {
    return (Atomics.load(this.#i32, EVENT_STATE) & EVENT_FLAG_BIT) !== 0;
  }

  /** Sets the flag and wakes every waiter. Setting a set event does nothing. */
  set(): void {
    const i32 = this.#i32;
    let w = Atomics.load(i32, EVENT_STATE);
    for (;;) {
      if (w & EVENT_FLAG_BIT) return;
      const seen = Atomics.compareExchange(i32, EVENT_STATE, w, (w + EVENT_GENERATION_UNIT) | EVENT_FLAG_BIT | 0);
      if (seen === w) break;
      w = seen;
    }
    // Waiters park only on a clear word; waking them unconditionally costs one futex-table lookup
    // when nobody waits, cheaper than keeping a shared waiter count up to date on every wait.
    Atomics.notify(i32, EVENT_STATE);
  }

  /** Clears the flag; later waits block until the next set(). Waiters already woken stay woken. */
  clear(): void {
    const i32 = this.#i32;
    let w = Atomics.load(i32, EVENT_STATE);
    for (;;) {
      // Never write a clear word: waiters rely on "the word changed" meaning "a set happened".
      if ((w & EVENT_FLAG_BIT) === 0) return;
      const seen = Atomics.compareExchange(i32, EVENT_STATE, w, w & ~EVENT_FLAG_BIT);
      if (seen === w) return;
      w = seen;
    }
  }

  /**
   * Blocks until the event is set, or for at most `timeout` ms. Returns true if the event was set
   * (or was set and cleared again while this thread waited), false on timeout, as Python's
   * `Event.wait` returns the flag; a negative timeout does not wait (Python's). Workers only; on a
   * thread that may not block use `waitAsync`.
   */
  wait(timeout?: number | null): boolean {
    const deadline = deadlineFrom(timeout, 'Event.wait: timeout', 'python');
    const i32 = this.#i32;
    const w0 = Atomics.load(i32, EVENT_STATE);
    if (w0 & EVENT_FLAG_BIT) return true;
    if (deadline <= performance.now()) return false; // timeout 0 or negative: answer without spinning
    assertCanBlock('Event.wait');
    if (spinWhileEqual(i32, EVENT_STATE, w0)) return true;
    for (;;) {
      // At most ROBUST_POLL_MS at a time: a setter killed between its CAS and its notify wakes nobody.
      const until = Math.min(deadline, performance.now() + ROBUST_POLL_MS);
      const r = parkSync(i32, EVENT_STATE, w0, until);
      if (Atomics.load(i32, EVENT_STATE) !== w0) return true;
      if (r === 'timed-out' && until === deadline) return false;
      // 'ok' with the word unchanged: a spurious wake-up (an aborted async waiter notifies the word).
    }
  }

  /**
   * `wait` as a promise that never blocks the event loop; `wait` is wait()'s timeout or
   * `{ timeout, signal }`. Resolves true/false as `wait` returns; rejects with `signal.reason` if
   * the signal aborts first.
   */
  async waitAsync(wait?: WaitArg): Promise<boolean> {
    const [deadline, signal] = waitArgs(wait, 'Event.waitAsync');
    throwIfAborted(signal);
    const i32 = this.#i32;
    const w0 = Atomics.load(i32, EVENT_STATE);
    if (w0 & EVENT_FLAG_BIT) return true;
    for (;;) {
      const until = Math.min(deadline, performance.now() + ROBUST_POLL_MS);
      const r = await parkAsync(i32, EVENT_STATE, w0, until, signal);
      if (Atomics.load(i32, EVENT_STATE) !== w0) return true;
      if (r === 'timed-out' && until === deadline) return false;
    }
  }

  /** Python's repr, for logs. */
  toString(): string {
    return `<Event at ${this.byteOffset}: ${this.isSet() ? 'set' : 'unset'}>`;
  }
}

registerKind(KIND, (d) => Event.from(d));
