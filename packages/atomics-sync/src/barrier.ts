/**
 * Barrier: Python's `threading.Barrier` as a lock-free state machine on one shared word.
 *
 * Layout (BARRIER_BYTE_LENGTH = 24 bytes, BARRIER_ALIGNMENT = 8), from the object's byteOffset:
 *
 *   byte  0  Int32    STATE     bits 0..27  count: parties inside wait() (arrived, not yet left)
 *                               bits 28..30 phase: FILLING 0 | DRAINING 1 | RESETTING 2
 *                                                  | BROKEN 3 | ACTION 4
 *   byte  4  Int32    PARTIES   number of parties, 1..BARRIER_MAX_PARTIES (written once)
 *   byte  8  Int32    FLAGS     bit 0 HAS_ACTION: the barrier was created with an action
 *   byte 12  -        (padding)
 *   byte 16  Float64  TIMEOUT   default timeout of wait(), ms; Infinity = none (written once)
 *
 *   Waiters park on STATE itself; every phase change that someone waits for notifies it.
 *   All-zero memory is not a Barrier (it has no parties): construct one, then share it.
 *
 * The state machine is CPython's (Lib/threading.py, class Barrier: `_state` 0 filling, 1 draining,
 * -1 resetting, -2 broken; `_count`; `_enter`, `_release`, `_wait`, `_exit`, `reset`, `_break`),
 * with its Condition(Lock()) replaced by compare-exchange on one word holding both `_state` and
 * `_count`. CPython runs the action while holding the barrier's lock, so nobody can observe or
 * change the state meanwhile; here that window is the explicit ACTION phase, which every other
 * operation treats as CPython's serialisation would:
 *  - an arrival during ACTION waits as during DRAINING (CPython: blocked on the lock, then drains);
 *  - a waiter's timeout cannot break the barrier during ACTION (CPython: the timed-out waiter
 *    re-checks its predicate only once it gets the lock back, after the release, and succeeds);
 *  - reset() during ACTION changes nothing (CPython: it runs after the release, sees draining with
 *    parties inside, and leaves the state alone);
 *  - abort() during ACTION breaks at once; the action's thread still returns its index and the
 *    others get BrokenBarrierError (CPython: the abort runs right after the release, before the
 *    woken waiters re-check).
 * Why no lock at all (rather than sabkit's Lock): abort() and reset() never block, so they are safe
 * on a main thread; a thread that dies inside wait() cannot leave a lock held; and one CAS per
 * arrival and per departure is the whole cost. A thread that dies inside the barrier still counts
 * as a party that never leaves, exactly as a Python thread that never returns: others with a
 * timeout break the barrier; others without one wait.
 */
import { BrokenBarrierError, InvalidArgumentError, ReviveError, describe } from './errors.js';
import { allocateRegion, checkRegion, defineShared, expectDescriptor, registerKind, type SharedDescriptor, type SharedRegion } from './shared.js';
import { assertCanBlock, checkSignal, deadlineFrom, parkAsync, parkSync, remaining, spinWhileEqual, throwIfAborted } from './wait.js';

/** Bytes a Barrier occupies. */
export const BARRIER_BYTE_LENGTH = 24;
/** Required alignment of a Barrier's byteOffset (for the Float64 timeout). */
export const BARRIER_ALIGNMENT = 8;
/** Int32 index of the state word (phase and count). */
export const BARRIER_STATE = 0;
/** Int32 index of the number of parties. */
export const BARRIER_PARTIES = 1;
/** Int32 index of the flags word. */
export const BARRIER_FLAGS = 2;
/** Byte offset of the Float64 default timeout. */
export const BARRIER_TIMEOUT_BYTE = 16;
/** FLAGS bit: the barrier was created with an action, so every waiting thread must supply one. */
export const BARRIER_HAS_ACTION = 1;
/** Bits of STATE holding the count. */
export const BARRIER_COUNT_MASK = 0x0fffffff;
/** Shift of the phase in STATE. */
export const BARRIER_PHASE_SHIFT = 28;
/** Largest number of parties (the count field's range). */
export const BARRIER_MAX_PARTIES = BARRIER_COUNT_MASK;
/** Phases (CPython's `_state`: 0, 1, -1, -2; ACTION is CPython's "lock held by the action"). */
export const FILLING = 0;
export const DRAINING = 1;
export const RESETTING = 2;
export const BROKEN = 3;
export const ACTION = 4;

const KIND = 'Barrier';

/**
 * The action a Barrier runs in the last arriving thread of each generation, synchronously (also
 * from waitAsync); a returned promise is not awaited.
 */
export type BarrierAction = () => void;

/** A serialised Barrier (what structured clone makes of one). */
export interface BarrierDescriptor extends SharedDescriptor {
  readonly __sabkit: 'Barrier';
}

const phaseOf = (w: number): number => (w >>> BARRIER_PHASE_SHIFT) & 7;
const countOf = (w: number): number => w & BARRIER_COUNT_MASK;
const stateWord = (phase: number, count: number): number => (phase << BARRIER_PHASE_SHIFT) | count;

// ---- The raw state machine: non-blocking steps on the STATE word. -------------------------------
// A step that would have to wait returns ~w (negative, since STATE's bit 31 is always 0): the
// caller parks while STATE === w, then repeats the step. Parking is the caller's, sync or async.

/** CPython `_enter` plus the arrival: returns the arrival index, or ~w to park on. */
function enterStep(i32: Int32Array, parties: number): number {
  let w = Atomics.load(i32, BARRIER_STATE);
  for (;;) {
    const phase = phaseOf(w);
    if (phase === BROKEN) throw new BrokenBarrierError();
    if (phase !== FILLING) return ~w; // draining, resetting or in the action: wait until filling
    const index = countOf(w);
    const next = stateWord(index + 1 === parties ? ACTION : FILLING, index + 1);
    const seen = Atomics.compareExchange(i32, BARRIER_STATE, w, next);
    if (seen === w) return index;
    w = seen;
  }
}

/** Sets `phase` keeping the count, if `from(phase)` allows it; wakes everyone on a change. */
function transition(i32: Int32Array, from: (phase: number) => boolean, phase: number): boolean {
  let w = Atomics.load(i32, BARRIER_STATE);
  for (;;) {
    if (!from(phaseOf(w))) return false;
    const seen = Atomics.compareExchange(i32, BARRIER_STATE, w, stateWord(phase, countOf(w)));
    if (seen === w) {
      Atomics.notify(i32, BARRIER_STATE);
      return true;
    }
    w = seen;
  }
}

const isAction = (p: number) => p === ACTION;
const always = () => true;
const isWaitingPhase = (p: number) => p === FILLING || p === ACTION;

/** Outcomes of releaseStep. */
const RELEASED = 0;
const BROKEN_OUT = 1;
const TIMED_OUT = 2;

/** CPython `_wait`: RELEASED, BROKEN_OUT, TIMED_OUT (this waiter broke it), or ~w to park on. */
function releaseStep(i32: Int32Array, expired: boolean): number {
  let w = Atomics.load(i32, BARRIER_STATE);
  for (;;) {
    const phase = phaseOf(w);
    if (phase === DRAINING) return RELEASED;
    if (phase === BROKEN || phase === RESETTING) return BROKEN_OUT;
    if (phase === ACTION || !expired) return ~w;
    const seen = Atomics.compareExchange(i32, BARRIER_STATE, w, stateWord(BROKEN, countOf(w)));
    if (seen === w) {
      Atomics.notify(i32, BARRIER_STATE);
      return TIMED_OUT;
    }
    w = seen; // released or broken meanwhile: CPython re-checks the predicate after the timeout too
  }
}

/** CPython's `_count -= 1; _exit()`: the last to leave a drain or reset refills the barrier. */
function leave(i32: Int32Array): void {
  let w = Atomics.load(i32, BARRIER_STATE);
  for (;;) {
    const phase = phaseOf(w);
    const count = countOf(w) - 1;
    const refill = count === 0 && (phase === DRAINING || phase === RESETTING);
    const seen = Atomics.compareExchange(i32, BARRIER_STATE, w, stateWord(refill ? FILLING : phase, count));
    if (seen === w) {
      if (refill) Atomics.notify(i32, BARRIER_STATE);
      return;
    }
    w = seen;
  }
}

/** CPython `reset`: waiters inside get BrokenBarrierError; the last one out refills. */
function resetStep(i32: Int32Array): void {
  let w = Atomics.load(i32, BARRIER_STATE);
  for (;;) {
    const phase = phaseOf(w);
    const count = countOf(w);
    const next = count === 0 ? FILLING : phase === FILLING || phase === BROKEN ? RESETTING : phase;
    const seen = Atomics.compareExchange(i32, BARRIER_STATE, w, stateWord(next, count));
    if (seen === w) break;
    w = seen;
  }
  Atomics.notify(i32, BARRIER_STATE);
}

function parkSpin(i32: Int32Array, w: number, deadline: number): void {
  if (!spinWhileEqual(i32, BARRIER_STATE, w)) parkSync(i32, BARRIER_STATE, w, deadline);
}

/** Validates a timeout (as deadlineFrom does) and returns it in ms, Infinity for none. */
function timeoutMs(timeout: unknown, param: string): number {
  deadlineFrom(timeout as number | undefined, param);
  return timeout === undefined || timeout === null || timeout === -1 ? Infinity : (timeout as number);
}

// Set by `Barrier.from` for the one constructor call it makes: attach without initialising.
let attachTo: { buffer: SharedArrayBuffer; byteOffset: number; action: BarrierAction | undefined } | undefined;

/**
 * Python's `threading.Barrier(parties, action, timeout)`.
 *
 * The action is a function and cannot cross threads: a thread that revives the barrier passes its
 * own with `Barrier.from(value, { action })`. If the barrier was created with an action, every
 * thread that calls wait() must have one (wait() throws ReviveError otherwise, before touching the
 * barrier), since any of them may arrive last and must run it; `revive(value)` gives a copy with
 * no action, fine for abort(), reset() and the properties.
 */
export class Barrier {
  static readonly BYTE_LENGTH = BARRIER_BYTE_LENGTH;
  static readonly ALIGNMENT = BARRIER_ALIGNMENT;
  static readonly MAX_PARTIES = BARRIER_MAX_PARTIES;

  declare readonly __sabkit: 'Barrier';
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  readonly #parties: number;
  readonly #i32: Int32Array;
  readonly #action: BarrierAction | undefined;
  readonly #hasAction: boolean;
  readonly #timeout: number;

  /**
   * @param parties threads that must arrive, an integer 1..Barrier.MAX_PARTIES.
   * @param action called, with no arguments, by the last thread to arrive in each generation
   *   before any waiter is released; if it throws, the barrier breaks and that thread's wait()
   *   throws the action's error.
   * @param timeout default timeout of wait() in ms (undefined/Infinity: none).
   * @param region where to put the barrier (24 bytes, 8-aligned); default a new SharedArrayBuffer.
   */
  constructor(parties: number, action?: BarrierAction | null, timeout?: number | null, region?: SharedRegion) {
    const existing = attachTo;
    attachTo = undefined;
    let buffer: SharedArrayBuffer, byteOffset: number;
    if (existing) {
      ({ buffer, byteOffset } = existing);
      this.#i32 = new Int32Array(buffer, byteOffset, 3);
      parties = Atomics.load(this.#i32, BARRIER_PARTIES);
      if (!Number.isInteger(parties) || parties < 1 || parties > BARRIER_MAX_PARTIES) {
        throw new ReviveError(`Barrier.from(value): no initialised Barrier at byteOffset ${byteOffset} (parties word is ${parties})`);
      }
      this.#hasAction = (Atomics.load(this.#i32, BARRIER_FLAGS) & BARRIER_HAS_ACTION) !== 0;
      this.#action = existing.action;
      if (this.#action && !this.#hasAction) {
        throw new InvalidArgumentError('Barrier.from(value, { action }): this barrier was created without an action; an action given in only some threads would run in only some generations');
      }
      this.#timeout = new Float64Array(buffer, byteOffset + BARRIER_TIMEOUT_BYTE, 1)[0];
    } else {
      if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1 || parties > BARRIER_MAX_PARTIES) {
        throw new InvalidArgumentError(`Barrier: parties must be an integer from 1 to ${BARRIER_MAX_PARTIES}, got ${describe(parties)}`);
      }
      if (action !== undefined && action !== null && typeof action !== 'function') {
        throw new InvalidArgumentError(`Barrier: action must be a function, null or undefined, got ${describe(action)}`);
      }
      const ms = timeoutMs(timeout, 'Barrier: timeout');
      ({ buffer, byteOffset } = allocateRegion(KIND, BARRIER_BYTE_LENGTH, BARRIER_ALIGNMENT, region));
      this.#i32 = new Int32Array(buffer, byteOffset, 3);
      this.#action = action ?? undefined;
      this.#hasAction = this.#action !== undefined;
      this.#timeout = ms;
      new Float64Array(buffer, byteOffset + BARRIER_TIMEOUT_BYTE, 1)[0] = ms;
      Atomics.store(this.#i32, BARRIER_PARTIES, parties);
      Atomics.store(this.#i32, BARRIER_FLAGS, this.#hasAction ? BARRIER_HAS_ACTION : 0);
      Atomics.store(this.#i32, BARRIER_STATE, stateWord(FILLING, 0));
    }
    this.#parties = parties;
    defineShared(this, KIND, buffer, byteOffset);
  }

  /**
   * Attaches to an existing Barrier (its structured clone, or a live one) without initialising it.
   * `options.action`: this thread's copy of the action, required to call wait() if the barrier has
   * one. Given a live Barrier and no action, the copy keeps the live one's action.
   */
  static from(value: unknown, options?: { action?: BarrierAction }): Barrier {
    const d = expectDescriptor<BarrierDescriptor>(value, KIND);
    checkRegion(KIND, d.buffer, d.byteOffset, BARRIER_BYTE_LENGTH, BARRIER_ALIGNMENT);
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new InvalidArgumentError(`Barrier.from(value, options): options must be an object, got ${describe(options)}`);
    }
    const action = options?.action ?? (value instanceof Barrier ? value.#action : undefined);
    if (action !== undefined && typeof action !== 'function') {
      throw new InvalidArgumentError(`Barrier.from(value, { action }): action must be a function, got ${describe(action)}`);
    }
    attachTo = { buffer: d.buffer, byteOffset: d.byteOffset, action };
    return new Barrier(0);
  }

  /** Number of threads that must call wait() to pass the barrier. */
  get parties(): number {
    return this.#parties;
  }

  /** Parties waiting now (CPython's `n_waiting`). Racy: stale as soon as anyone arrives or leaves. */
  get nWaiting(): number {
    const w = Atomics.load(this.#i32, BARRIER_STATE);
    return isWaitingPhase(phaseOf(w)) ? countOf(w) : 0;
  }

  /** True once the barrier is broken, until reset(). Racy in the same way as nWaiting. */
  get broken(): boolean {
    return phaseOf(Atomics.load(this.#i32, BARRIER_STATE)) === BROKEN;
  }

  /**
   * Waits until all parties have arrived, and returns this thread's arrival index, 0..parties-1.
   * Throws BrokenBarrierError if the barrier is or becomes broken (abort(), reset() while waiting,
   * another party's timeout, an action that threw), and breaks it for everyone if this call times
   * out. `timeout` defaults to the barrier's own; pass Infinity to wait without one.
   */
  wait(timeout?: number): number {
    const ms = timeoutMs(timeout === undefined ? this.#timeout : timeout, 'Barrier.wait: timeout');
    this.#checkAction();
    assertCanBlock('Barrier.wait');
    const i32 = this.#i32;
    let r: number;
    while ((r = enterStep(i32, this.parties)) < 0) parkSpin(i32, ~r, Infinity);
    const index = r;
    if (index + 1 === this.parties) return this.#runAction(index);
    const deadline = ms === Infinity ? Infinity : performance.now() + ms;
    try {
      while ((r = releaseStep(i32, remaining(deadline) === 0)) < 0) {
        parkSpin(i32, ~r, phaseOf(~r) === ACTION ? Infinity : deadline);
      }
    } finally {
      leave(i32);
    }
    return this.#outcome(r, index, ms);
  }

  /**
   * `wait` as a promise that never blocks the event loop. If `signal` aborts while this party is
   * counted as arrived, the party leaves and the barrier breaks for everyone, as on a timeout (the
   * others could otherwise never be released); the promise rejects with `signal.reason`. If the
   * release won the race, the index is returned as usual.
   */
  async waitAsync(timeout?: number, signal?: AbortSignal): Promise<number> {
    const ms = timeoutMs(timeout === undefined ? this.#timeout : timeout, 'Barrier.waitAsync: timeout');
    checkSignal(signal, 'Barrier.waitAsync: signal');
    this.#checkAction();
    throwIfAborted(signal);
    const i32 = this.#i32;
    let r: number;
    while ((r = enterStep(i32, this.parties)) < 0) await parkAsync(i32, BARRIER_STATE, ~r, Infinity, signal);
    const index = r;
    if (index + 1 === this.parties) return this.#runAction(index);
    const deadline = ms === Infinity ? Infinity : performance.now() + ms;
    try {
      while ((r = releaseStep(i32, remaining(deadline) === 0)) < 0) {
        try {
          await parkAsync(i32, BARRIER_STATE, ~r, phaseOf(~r) === ACTION ? Infinity : deadline, signal);
        } catch (reason) {
          // Aborted: break it unless the release came first (then this party passed).
          if (transition(i32, isWaitingPhase, BROKEN) || phaseOf(Atomics.load(i32, BARRIER_STATE)) !== DRAINING) throw reason;
          r = RELEASED;
          break;
        }
      }
    } finally {
      leave(i32);
    }
    return this.#outcome(r, index, ms);
  }

  /** Puts the barrier into the broken state: current and future waits throw BrokenBarrierError. */
  abort(): void {
    transition(this.#i32, always, BROKEN);
  }

  /**
   * Returns the barrier to its initial state. Parties waiting in it get BrokenBarrierError; new
   * arrivals wait until they have all left (CPython's resetting state).
   */
  reset(): void {
    resetStep(this.#i32);
  }

  #checkAction(): void {
    if (this.#hasAction && !this.#action) {
      throw new ReviveError(
        'Barrier.wait: this barrier was created with an action and this thread\'s copy has none (any party may arrive last and must run it); revive it with Barrier.from(value, { action })',
      );
    }
  }

  /** CPython `_release`, in the last arriving thread: the action, then the drain. */
  #runAction(index: number): number {
    const i32 = this.#i32;
    try {
      this.#action?.();
    } catch (e) {
      transition(i32, always, BROKEN);
      leave(i32);
      throw e;
    }
    transition(i32, isAction, DRAINING); // not ACTION any more: aborted meanwhile, the others see it
    leave(i32);
    return index;
  }

  #outcome(r: number, index: number, ms: number): number {
    if (r === RELEASED) return index;
    if (r === TIMED_OUT) {
      throw new BrokenBarrierError(`Barrier.wait: timed out after ${ms} ms waiting for ${this.parties} parties; the barrier is now broken for every waiter`);
    }
    throw new BrokenBarrierError();
  }

  /** Python's repr, for logs. */
  toString(): string {
    const w = Atomics.load(this.#i32, BARRIER_STATE);
    const names = ['filling', 'draining', 'resetting', 'broken', 'action'];
    return `<Barrier at ${this.byteOffset}: ${names[phaseOf(w)]}, waiters=${countOf(w)}/${this.parties}>`;
  }
}

registerKind(KIND, (d) => Barrier.from(d));
