/**
 * One task running in a worker: its slot, its cancellation signal and its progress channel.
 *
 * The signal is created only when the task asks for it (taskSignal()), so tiny tasks pay nothing.
 * Cancellation reaches it two ways:
 *  - the worker loop sees the main thread's cancel bit (after a bell, between tasks, or while an
 *    async task awaits) and aborts the controller: 'abort' listeners run;
 *  - a synchronous task that never yields polls `signal.aborted` (or `throwIfAborted()`): both are
 *    shadowed on this signal instance to read the slot's cancel bit from shared memory first, so a
 *    CPU-bound loop sees the cancellation within one iteration, with no event-loop turn.
 */
import {
  REASON_ABORT,
  REASON_CLOSE,
  REASON_MASK,
  REASON_SHIFT,
  REASON_TIMEOUT,
  SLOT_CANCEL,
  SLOT_OBSERVED,
  SLOT_QUEUED,
  SLOT_RUNNING,
  slotStartIndex,
  slotStateIndex,
} from '../dispatch/layout.js';
import { now, toEpoch } from '../dispatch/clock.js';
import { F_PROGRESS, F_TIMED } from '../dispatch/wire.js';
import type { TaskContextLike } from '../worker-state.js';
import { poolErrors } from './sync-link.js';

const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;

/**
 * The reason a task signal aborts with, for a cancel reason code: the pool's error class, or, where
 * those classes cannot be loaded synchronously (sync-link.ts), a plain Error with the same name,
 * code and message.
 */
export function cancelReason(code: number): Error {
  const E = poolErrors();
  if (E !== undefined) {
    if (code === REASON_TIMEOUT) return new E.TaskTimeoutError();
    if (code === REASON_CLOSE) return new E.PoolClosedError('the pool was destroyed while the task ran');
    return new E.AbortError();
  }
  const [name, errCode, message] =
    code === REASON_TIMEOUT
      ? [
          'TaskTimeoutError',
          'ERR_SABKIT_TASK_TIMEOUT',
          'the task did not finish within its timeout (counted from its start in the worker)',
        ]
      : code === REASON_CLOSE
        ? ['PoolClosedError', 'ERR_SABKIT_CLOSED', 'the pool was destroyed while the task ran']
        : ['AbortError', 'ERR_SABKIT_ABORTED', 'The task has been aborted'];
  return Object.assign(new Error(message), { name, code: errCode });
}

export interface ProgressSink {
  progress(slot: number, value: unknown): void;
}

export class TaskContext implements TaskContextLike {
  readonly slot: number;
  readonly flags: number;
  /** now() when the task started (dispatch/clock.ts), and the same instant on the epoch clock. */
  t0 = 0;
  startEpoch = 0;
  done = false;
  readonly #state: Int32Array;
  readonly #start: Float64Array;
  readonly #sink: ProgressSink;
  #controller: AbortController | undefined;

  constructor(slot: number, flags: number, state: Int32Array, start: Float64Array, sink: ProgressSink) {
    this.slot = slot;
    this.flags = flags;
    this.#state = state;
    this.#start = start;
    this.#sink = sink;
  }

  /**
   * Starts the task: stamps its start (in its slot too if it has a timeout, before the slot says
   * RUNNING, so main never reads a stale time) and takes the slot QUEUED -> RUNNING. False if main
   * cancelled it first: it must not run.
   */
  begin(): boolean {
    const t0 = now();
    this.t0 = t0;
    this.startEpoch = toEpoch(t0);
    if (this.flags & F_TIMED) this.#start[slotStartIndex(this.slot)] = this.startEpoch;
    return Atomics.compareExchange(this.#state, slotStateIndex(this.slot), SLOT_QUEUED, SLOT_RUNNING) === SLOT_QUEUED;
  }

  /** The slot's cancel reason code if main asked to cancel this task, else 0. */
  cancelCode(): number {
    const s = Atomics.load(this.#state, slotStateIndex(this.slot));
    return s & SLOT_CANCEL ? (s & REASON_MASK) >> REASON_SHIFT || REASON_ABORT : 0;
  }

  /** Aborts the signal if main asked to cancel the task (called by the loop and by the signal). */
  checkCancel(): void {
    if (this.#controller === undefined || this.done || abortedGetter.call(this.#controller.signal)) return;
    const code = this.cancelCode();
    if (code !== 0) this.#controller.abort(cancelReason(code));
  }

  signal(): AbortSignal {
    if (this.#controller === undefined && this.done) {
      // Asked by a callback that outlived its task (a timer, with concurrentTasksPerWorker > 1 the
      // async context still points here): the slot may hold another task by now, so it is not
      // touched. The task is over; its signal never aborts.
      this.#controller = new AbortController();
      return this.#controller.signal;
    }
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      const signal = controller.signal;
      Object.defineProperty(signal, 'aborted', {
        configurable: true,
        get: () => {
          this.checkCancel();
          return abortedGetter.call(signal) as boolean;
        },
      });
      Object.defineProperty(signal, 'throwIfAborted', {
        configurable: true,
        value: () => {
          this.checkCancel();
          AbortSignal.prototype.throwIfAborted.call(signal);
        },
      });
      Atomics.or(this.#state, slotStateIndex(this.slot), SLOT_OBSERVED);
      this.checkCancel();
    }
    return this.#controller.signal;
  }

  progress(value: unknown): void {
    if (this.done || (this.flags & F_PROGRESS) === 0) return;
    this.#sink.progress(this.slot, value);
  }
}
