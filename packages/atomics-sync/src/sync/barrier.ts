/**
 * Barrier: Python's `threading.Barrier`, the typed wrapper over the lock-free state machine in
 * barrier-core.ts, where its slot layout (STATE, PARTIES, FLAGS, TIMEOUT) and phases are drawn.
 *
 * Layout: docs/layouts/barrier.md
 */
import { BrokenBarrierError, InvalidArgumentError, ReviveError, describe } from '../errors.js';
import {
  allocateRegion,
  attachNew,
  checkRegion,
  defineShared,
  expectDescriptor,
  registerKind,
  type SharedRegion,
} from '../runtime/shared.js';
import {
  type WaitArg,
  assertCanBlock,
  deadlineAfter,
  parkAsync,
  remaining,
  throwIfAborted,
  timeoutMs,
  timeoutOf,
  waitArgs,
} from '../runtime/wait.js';
import { ROBUST_POLL_MS } from './lock-core.js';
import {
  ACTION,
  BARRIER_ALIGNMENT,
  BARRIER_BYTE_LENGTH,
  BARRIER_FLAGS,
  BARRIER_HAS_ACTION,
  BARRIER_INSIDE,
  BARRIER_SLOTS,
  BARRIER_KIND as KIND,
  BARRIER_MAX_PARTIES,
  BARRIER_PARTIES,
  BARRIER_STATE,
  BARRIER_TIMEOUT_BYTE,
  BROKEN,
  DRAINING,
  FILLING,
  RELEASED,
  TIMED_OUT,
  always,
  arrived,
  breakIfDead,
  countOf,
  type DeadWatch,
  enterStep,
  isAction,
  isWaitingPhase,
  leave,
  parkSpin,
  phaseOf,
  releaseStep,
  resetStep,
  stateWord,
  transition,
  type BarrierAction,
  type BarrierDescriptor,
} from './barrier-core.js';

export type { BarrierAction, BarrierDescriptor } from './barrier-core.js';

/** Passed by Barrier.from as the constructor's hidden last argument: attach, do not initialise. */
const ATTACH = Symbol('Barrier: attach');

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
   * @param timeout default timeout of wait() in ms (undefined, null, Infinity: none; negative: do
   *   not wait, as Python's).
   * @param region where to put the barrier (Barrier.BYTE_LENGTH bytes, 8-aligned); default a new
   *   SharedArrayBuffer.
   */
  constructor(parties: number, action?: BarrierAction | null, timeout?: number | null, region?: SharedRegion);
  constructor(
    parties: number,
    action?: BarrierAction | null,
    timeout?: number | null,
    region?: SharedRegion,
    attach?: symbol,
  ) {
    let buffer: SharedArrayBuffer, byteOffset: number;
    if (attach === ATTACH) {
      ({ buffer, byteOffset } = region as Required<SharedRegion>);
      this.#i32 = new Int32Array(buffer, byteOffset, BARRIER_BYTE_LENGTH / 4);
      parties = Atomics.load(this.#i32, BARRIER_PARTIES);
      if (!Number.isInteger(parties) || parties < 1 || parties > BARRIER_MAX_PARTIES) {
        throw new ReviveError(
          `Barrier.from(value): no initialised Barrier at byteOffset ${byteOffset} (parties word is ${parties})`,
        );
      }
      this.#hasAction = (Atomics.load(this.#i32, BARRIER_FLAGS) & BARRIER_HAS_ACTION) !== 0;
      this.#action = action ?? undefined;
      if (this.#action && !this.#hasAction) {
        throw new InvalidArgumentError(
          'Barrier.from(value, { action }): this barrier was created without an action; an action given in ' +
            'only some threads would run in only some generations',
        );
      }
      this.#timeout = new Float64Array(buffer, byteOffset + BARRIER_TIMEOUT_BYTE, 1)[0];
    } else {
      if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1 || parties > BARRIER_MAX_PARTIES) {
        throw new InvalidArgumentError(
          `Barrier: parties must be an integer from 1 to ${BARRIER_MAX_PARTIES}, got ${describe(parties)}`,
        );
      }
      if (action !== undefined && action !== null && typeof action !== 'function') {
        throw new InvalidArgumentError(
          `Barrier: action must be a function, null or undefined, got ${describe(action)}`,
        );
      }
      const ms = timeoutMs(timeout, 'Barrier: timeout', 'python');
      ({ buffer, byteOffset } = allocateRegion(KIND, BARRIER_BYTE_LENGTH, BARRIER_ALIGNMENT, region));
      this.#i32 = new Int32Array(buffer, byteOffset, BARRIER_BYTE_LENGTH / 4);
      this.#action = action ?? undefined;
      this.#hasAction = this.#action !== undefined;
      this.#timeout = ms;
      new Float64Array(buffer, byteOffset + BARRIER_TIMEOUT_BYTE, 1)[0] = ms;
      Atomics.store(this.#i32, BARRIER_PARTIES, parties);
      Atomics.store(this.#i32, BARRIER_FLAGS, this.#hasAction ? BARRIER_HAS_ACTION : 0);
      for (let i = 0; i < BARRIER_SLOTS; i++) Atomics.store(this.#i32, BARRIER_INSIDE + i, 0);
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
      throw new InvalidArgumentError(
        `Barrier.from(value, options): options must be an object, got ${describe(options)}`,
      );
    }
    const action = options?.action ?? (value instanceof Barrier ? value.#action : undefined);
    if (action !== undefined && typeof action !== 'function') {
      throw new InvalidArgumentError(
        `Barrier.from(value, { action }): action must be a function, got ${describe(action)}`,
      );
    }
    return attachNew(Barrier, 0, action, undefined, d, ATTACH);
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
   * out. `timeout` defaults to the barrier's own; pass null or Infinity to wait without one. A
   * negative timeout does not wait (Python's): unless this party arrives last, the barrier breaks.
   */
  wait(timeout?: number | null): number {
    const ms = timeout === undefined ? this.#timeout : timeoutMs(timeout, 'Barrier.wait: timeout', 'python');
    this.#checkAction();
    assertCanBlock('Barrier.wait');
    const i32 = this.#i32;
    const watch: DeadWatch = { suspect: -1 };
    let r: number;
    while ((r = enterStep(i32, this.parties)) < 0) parkSpin(i32, ~r, Infinity, this.parties, watch);
    const index = r;
    arrived(i32, index);
    if (index + 1 === this.parties) return this.#runAction(index);
    const deadline = deadlineAfter(ms);
    try {
      while ((r = releaseStep(i32, remaining(deadline) === 0)) < 0) {
        parkSpin(i32, ~r, phaseOf(~r) === ACTION ? Infinity : deadline, this.parties, watch);
      }
    } finally {
      leave(i32, index);
    }
    return this.#outcome(r, index, ms);
  }

  /**
   * `wait` as a promise that never blocks the event loop. If `signal` aborts while this party is
   * counted as arrived, the party leaves and the barrier breaks for everyone, as on a timeout (the
   * others could otherwise never be released); the promise rejects with `signal.reason`. If the
   * release won the race, the index is returned as usual. `wait`: wait()'s timeout or
   * `{ timeout, signal }`; an omitted timeout is the barrier's own, as in wait().
   */
  async waitAsync(wait?: WaitArg): Promise<number> {
    const [, signal] = waitArgs(wait, 'Barrier.waitAsync');
    const t = timeoutOf(wait);
    const ms = t === undefined ? this.#timeout : timeoutMs(t, 'Barrier.waitAsync: timeout', 'python');
    this.#checkAction();
    throwIfAborted(signal);
    const i32 = this.#i32;
    const watch: DeadWatch = { suspect: -1 };
    let r: number;
    while ((r = enterStep(i32, this.parties)) < 0) await this.#park(~r, Infinity, signal, watch);
    const index = r;
    arrived(i32, index);
    if (index + 1 === this.parties) return this.#runAction(index);
    const deadline = deadlineAfter(ms);
    try {
      while ((r = releaseStep(i32, remaining(deadline) === 0)) < 0) {
        try {
          await this.#park(~r, phaseOf(~r) === ACTION ? Infinity : deadline, signal, watch);
        } catch (reason) {
          // Aborted: break it unless the release came first (then this party passed).
          if (transition(i32, isWaitingPhase, BROKEN) || phaseOf(Atomics.load(i32, BARRIER_STATE)) !== DRAINING)
            throw reason;
          r = RELEASED;
          break;
        }
      }
    } finally {
      leave(i32, index);
    }
    return this.#outcome(r, index, ms);
  }

  /** parkAsync on STATE === w for at most ROBUST_POLL_MS at a time, looking for dead parties (barrier-core.ts). */
  async #park(w: number, deadline: number, signal: AbortSignal | undefined, watch: DeadWatch): Promise<void> {
    const r = await parkAsync(
      this.#i32,
      BARRIER_STATE,
      w,
      Math.min(deadline, performance.now() + ROBUST_POLL_MS),
      signal,
    );
    if (r === 'timed-out') breakIfDead(this.#i32, this.#parties, watch);
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
        "Barrier.wait: this barrier was created with an action and this thread's copy has none (any party " +
          'may arrive last and must run it); revive it with Barrier.from(value, { action })',
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
      leave(i32, index);
      throw e;
    }
    transition(i32, isAction, DRAINING); // not ACTION any more: aborted meanwhile, the others see it
    leave(i32, index);
    return index;
  }

  #outcome(r: number, index: number, ms: number): number {
    if (r === RELEASED) return index;
    if (r === TIMED_OUT) {
      throw new BrokenBarrierError(
        `Barrier.wait: timed out after ${ms} ms waiting for ${this.parties} parties; the barrier is now ` +
          `broken for every waiter`,
      );
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
