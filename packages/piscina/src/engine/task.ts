/**
 * A task on the main thread, from run() until its promise settles: what to run, where it is (the
 * pool's queue, or a slot of one worker's channel), and how to settle it.
 *
 * A task can settle before its slot is freed: an abort or a timeout rejects the caller at once,
 * while the worker still owes a response (a result to drop, or a "skipped" notice). The slot is
 * freed only by that response or by the worker's exit, so a slot is never reused under a task
 * the worker still runs.
 */
import { AsyncResource } from 'node:async_hooks';
import type { TransferListItem } from 'node:worker_threads';
import { kQueueOptions } from '../movable.js';
import type { PiscinaTask } from './task-queue.js';

/** Something that emits 'abort': an AbortSignal, or any EventEmitter/EventTarget (piscina accepts both). */
export type AbortSignalLike =
  | {
      readonly aborted?: boolean;
      readonly reason?: unknown;
      addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
      removeEventListener(type: 'abort', listener: () => void): void;
    }
  | { once(event: 'abort', listener: () => void): unknown; off(event: 'abort', listener: () => void): unknown };

/**
 * Tasks submitted to a pool and not settled, and the 'drain' / 'needsDrain' events they drive:
 * 'needsDrain' once they reach `cap` (maxThreads x concurrentTasksPerWorker), 'drain' once they
 * fall below it again. Unsettled tasks, not occupied slots: a settled or stolen task awaiting its
 * worker's response no longer counts.
 */
export class Tally {
  unsettled = 0;
  needsDrain = false;
  readonly #cap: number;
  readonly #emitter: { emit(event: string): boolean };

  constructor(cap: number, emitter: { emit(event: string): boolean }) {
    this.#cap = cap;
    this.#emitter = emitter;
  }

  /** Emits, in a microtask, 'needsDrain' or 'drain' if the count crossed the cap. */
  check(): void {
    const full = this.unsettled >= this.#cap;
    if (full === this.needsDrain) return;
    this.needsDrain = full;
    queueMicrotask(full ? this.#needsDrain : this.#drain);
  }

  readonly #needsDrain = (): void => void this.#emitter.emit('needsDrain');
  readonly #drain = (): void => void this.#emitter.emit('drain');
}

/** Every task's async resource options: one shared object; the task emits its own destroy (settle). */
const kResourceOptions = Object.freeze({ requireManualDestroy: true });

/** The task whose promise is being created: one shared executor instead of a closure per task. */
let settling: Task<unknown>;
function executor(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  settling.resolve = resolve;
  settling.reject = reject;
}

/**
 * What a task runs and how (run()'s checked options, the function id they name, the pool's tally):
 * one object shared by every task of a pool's run() calls without options, so that a pending task
 * carries one reference instead of eight fields (a pending task is ~480 bytes, all of it young
 * garbage that survives scavenges while 100k tasks wait; every byte is copied by the GC).
 */
export class TaskSpec {
  readonly filename: string;
  readonly name: string;
  readonly fnId: number;
  /** Timeout in ms from the task's start (Infinity: none). */
  readonly timeout: number;
  readonly signal: AbortSignalLike | undefined;
  readonly onProgress: ((value: unknown) => void) | undefined;
  readonly transferList: readonly TransferListItem[] | undefined;
  /** The pool's count of unsettled tasks, kept exact by Task's constructor and settle(). */
  readonly tally: Tally;

  constructor(
    filename: string,
    name: string,
    fnId: number,
    timeout: number,
    signal: AbortSignalLike | undefined,
    onProgress: ((value: unknown) => void) | undefined,
    transferList: readonly TransferListItem[] | undefined,
    tally: Tally,
  ) {
    this.filename = filename;
    this.name = name;
    this.fnId = fnId;
    this.timeout = timeout;
    this.signal = signal;
    this.onProgress = onProgress;
    this.transferList = transferList;
    this.tally = tally;
  }
}

/**
 * `Holder` is the worker-side owner of a placed task (worker-handle.ts's WorkerHandle). It is a
 * parameter rather than an import so that task.ts and worker-handle.ts do not import each other.
 *
 * A task is itself the AsyncResource of type 'Piscina.Task' that piscina creates per task (one
 * object, not two): created in run(), it settles the caller's promise inside its scope, so async
 * hooks and AsyncLocalStorage see the settlement as the task's, with run()'s context, as piscina's.
 */
export class Task<Holder = unknown> extends AsyncResource implements PiscinaTask {
  readonly spec: TaskSpec;
  readonly value: unknown;
  readonly taskId: number;
  /** performance.now() when run() was called. */
  readonly created: number;
  /** The caller's promise, settled once by settle(). */
  readonly promise: Promise<unknown>;
  resolve!: (value: unknown) => void;
  reject!: (reason: unknown) => void;
  /** The worker whose ring holds it, or undefined while it waits in the pool's queue. */
  worker: Holder | undefined = undefined;
  slot = -1;
  settled = false;
  /** Removes the abort listener (set while one is installed). */
  unlisten: (() => void) | undefined = undefined;

  constructor(taskId: number, value: unknown, spec: TaskSpec) {
    super('Piscina.Task', kResourceOptions);
    this.spec = spec;
    this.value = value;
    this.taskId = taskId;
    this.created = performance.now();
    spec.tally.unsettled++;
    settling = this;
    this.promise = new Promise<unknown>(executor);
  }

  get filename(): string {
    return this.spec.filename;
  }
  get name(): string {
    return this.spec.name;
  }
  get fnId(): number {
    return this.spec.fnId;
  }
  /** Timeout in ms from the task's start (Infinity: none). */
  get timeout(): number {
    return this.spec.timeout;
  }
  get signal(): AbortSignalLike | undefined {
    return this.spec.signal;
  }
  get onProgress(): ((value: unknown) => void) | undefined {
    return this.spec.onProgress;
  }
  get transferList(): readonly TransferListItem[] | undefined {
    return this.spec.transferList;
  }

  get [kQueueOptions](): object | null {
    const v = this.value as Record<symbol, unknown> | null;
    return typeof v === 'object' && v !== null ? ((v[kQueueOptions] as object | undefined) ?? null) : null;
  }

  /** The task's argument, as piscina's TaskInfo names it (custom task queues read it). */
  get task(): unknown {
    return this.value;
  }

  get isAbortable(): boolean {
    return this.signal !== undefined;
  }

  /** Settles the task once; later calls are ignored. Returns false if it was already settled. */
  settle(ok: boolean, value: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.spec.tally.unsettled--;
    if (this.unlisten !== undefined) {
      this.unlisten();
      this.unlisten = undefined;
    }
    this.runInAsyncScope(ok ? this.resolve : this.reject, undefined, value);
    this.emitDestroy(); // used once
    return true;
  }
}

/** Installs `listener` for the signal's 'abort'; returns the function that removes it. */
export function onAbort(signal: AbortSignalLike, listener: () => void): () => void {
  if ('addEventListener' in signal && typeof signal.addEventListener === 'function') {
    signal.addEventListener('abort', listener, { once: true });
    return () => signal.removeEventListener('abort', listener);
  }
  const ee = signal as {
    once(event: 'abort', listener: () => void): unknown;
    off(event: 'abort', listener: () => void): unknown;
  };
  ee.once('abort', listener);
  return () => ee.off('abort', listener);
}
