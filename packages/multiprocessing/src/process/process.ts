/**
 * Process: Python's `multiprocessing.Process` as one worker thread running one function.
 *
 *     const p = new Process({ target: f, args: ['bob'] });
 *     p.start();
 *     await p.join();
 *
 * The target is a module export or an inline function (see inline.ts). Its arguments are
 * structured-cloned into the worker, and sabkit objects among them (locks, cells, queues, pipes)
 * come alive there over the same shared memory.
 *
 * Exit codes, as Python's `exitcode`: null while running; 0 when the target returns; 1 when it
 * throws (the child prints "Process <name>:" and the stack to stderr, as Python prints the
 * traceback); n when it calls `process.exit(n)`; -15 after terminate() and -9 after kill()
 * (Python's -SIGTERM and -SIGKILL). A thread cannot be sent a signal: both stop the worker at once
 * (Worker.terminate), only the recorded code differs. The worker ends when the target's promise
 * settles and its non-daemon children have ended, even if timers are still pending (Python's
 * child calls os._exit after run()).
 *
 * Daemons: a daemon Process does not keep its parent alive (its worker is unref'd), so the parent
 * may exit while it runs; Node then stops it with the parent. A non-daemon Process keeps the
 * parent's event loop alive until it ends, as Python joins non-daemon children at exit. A child
 * started from a worker is stopped by Node when that worker exits, daemon or not.
 */
import { threadId, type Worker } from 'node:worker_threads';
import { InvalidArgumentError, describe, watchWorker, type WaitArg } from '@sabkit/atomics-sync';
import { checkClosures, taskSpec, type TaskRef, type TaskSpec } from '../tasks/inline.js';
import { settleWithin } from '../pool/async-result.js';
import { InvalidStateError } from '../errors.js';
import { startProcessWorker } from './start-worker.js';
import { childRegistry, currentIdentity, nextChildNumber, type ProcessIdentity } from './current-process.js';

/** Exit code recorded after terminate(): Python's -SIGTERM. */
export const EXIT_TERMINATED = -15;
/** Exit code recorded after kill(): Python's -SIGKILL. */
export const EXIT_KILLED = -9;

/** Key of the Process's start record in the worker's workerData. */
export const PROCESS_WORKER_DATA_KEY = '__sabkitProcess';

/** What the worker entry (process-worker.ts) receives. */
export interface ProcessStart {
  readonly target: TaskSpec | null;
  readonly args: readonly unknown[];
  readonly self: ProcessIdentity;
}

/** `new Process(options)`: Python's `Process(target, args, kwargs, name, daemon)`, with `args` only. */
export interface ProcessOptions {
  /**
   * The function to run: an inline function, `{ filename, name }`, or 'file:///mod.js#name'.
   * Omitted: the process does nothing.
   */
  readonly target?: TaskRef;
  /** Arguments for the target (structured-cloned; sabkit objects arrive live). */
  readonly args?: readonly unknown[];
  /** The process's name; default 'Process-N' ('Process-1:N' for a child of Process-1). */
  readonly name?: string;
  /** Whether the process is a daemon (see above). Default: inherited from the creating process, as in Python. */
  readonly daemon?: boolean;
}

/**
 * Python's `multiprocessing.Process`, as a worker thread: `start()`, `await join(timeout?)` (ms;
 * resolves when it ended or the time is up), `terminate()`, `kill()`, `isAlive()`, `exitCode`
 * (`null` while running; negative for a terminated one, as Python's `-SIGTERM`). Calling `start()`
 * twice, or `join()` before `start()`, throws `InvalidStateError`; a target that is a closure
 * throws `InlineFunctionError` at `start()`.
 */
export class Process {
  readonly #target: TaskSpec | null;
  /** What the caller passed as target, for the closure check at start(). */
  readonly #targetRef: unknown;
  readonly #args: readonly unknown[];
  readonly #identity: readonly number[];
  #name: string;
  #daemon: boolean;
  #worker: Worker | undefined;
  // Kept apart from the Worker: Node sets worker.threadId to -1 once the thread has exited.
  #pid: number | null = null;
  #exitCode: number | null = null;
  #stopCode: number | undefined;
  #exited: Promise<void> | undefined;

  constructor(options: ProcessOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(
        `Process(options): options must be an object { target, args, name, daemon }, got ${describe(options)}`,
      );
    }
    const { target, args = [], name, daemon } = options;
    // The closure check waits for start(), where Python raises for a target it cannot pickle.
    this.#target = target === undefined ? null : taskSpec(target, 'target', { workerGlobals: true });
    this.#targetRef = target;
    if (!Array.isArray(args)) throw new InvalidArgumentError(`Process: args must be an array, got ${describe(args)}`);
    this.#args = args;
    const me = currentIdentity();
    this.#identity = [...me.identity, nextChildNumber()];
    if (name !== undefined && typeof name !== 'string')
      throw new InvalidArgumentError(`Process: name must be a string, got ${describe(name)}`);
    this.#name = name ?? `Process-${this.#identity.join(':')}`;
    if (daemon !== undefined && typeof daemon !== 'boolean')
      throw new InvalidArgumentError(`Process: daemon must be a boolean, got ${describe(daemon)}`);
    this.#daemon = daemon ?? me.daemon;
  }

  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    if (typeof value !== 'string')
      throw new InvalidArgumentError(`Process.name must be a string, got ${describe(value)}`);
    this.#name = value;
  }

  get daemon(): boolean {
    return this.#daemon;
  }
  set daemon(value: boolean) {
    if (this.#worker) throw new InvalidStateError(`Process ${this.#name}: daemon can only be set before start()`);
    if (typeof value !== 'boolean')
      throw new InvalidArgumentError(`Process.daemon must be a boolean, got ${describe(value)}`);
    this.#daemon = value;
  }

  /** The worker's thread id once started; null before. */
  get pid(): number | null {
    return this.#pid;
  }
  /** Same as pid. */
  get ident(): number | null {
    return this.pid;
  }

  /** null until the process has ended; then its exit code (see the file comment). */
  get exitCode(): number | null {
    return this.#exitCode;
  }

  /** Starts the worker. A process can be started once. */
  start(): void {
    if (this.#worker) throw new InvalidStateError(`Process ${this.#name}: cannot start a process twice`);
    checkClosures(this.#targetRef, 'target');
    const me = currentIdentity();
    const start: ProcessStart = {
      target: this.#target,
      args: this.#args,
      self: {
        name: this.#name,
        daemon: this.#daemon,
        identity: this.#identity,
        parent: { name: me.name, pid: threadId },
      },
    };
    const worker = startProcessWorker(this.#name, { [PROCESS_WORKER_DATA_KEY]: start });
    this.#worker = worker;
    this.#pid = worker.threadId;
    watchWorker(worker);
    const children = childRegistry();
    children.add(this);
    // Errors that escape the entry point's own handling (a failure to load the entry itself, an
    // error thrown by a timer the target left behind): report them like Python's traceback.
    worker.on('error', (e) => {
      process.stderr.write(`Process ${this.#name}:\n${(e as Error)?.stack ?? String(e)}\n`);
    });
    this.#exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        this.#exitCode = this.#stopCode ?? code;
        children.delete(this);
        resolve();
      });
    });
    if (this.#daemon) worker.unref();
  }

  /**
   * Waits until the process ends, at most `wait` (ms, or `{ timeout, signal }`; a negative
   * timeout does not wait). Resolves either way: check isAlive() or exitCode, as in Python.
   */
  async join(wait?: WaitArg): Promise<void> {
    if (!this.#exited) throw new InvalidStateError(`Process ${this.#name}: can only join a started process`);
    await settleWithin(this.#exited, wait, 'Process.join');
  }

  /** Whether the process has started and not yet ended. */
  isAlive(): boolean {
    return this.#worker !== undefined && this.#exitCode === null;
  }

  /** Stops the process at once; its exitCode becomes -15. Finally blocks in the target do not run. */
  terminate(): void {
    this.#stop(EXIT_TERMINATED);
  }

  /** Stops the process at once; its exitCode becomes -9. */
  kill(): void {
    this.#stop(EXIT_KILLED);
  }

  #stop(code: number): void {
    if (!this.#worker || this.#exitCode !== null || this.#stopCode !== undefined) return;
    this.#stopCode = code;
    void this.#worker.terminate();
  }

  /** Python's repr: `<Process name='Process-1' pid=3 parent=0 started>`. */
  toString(): string {
    const status =
      this.#exitCode !== null ? `stopped exitcode=${this.#exitCode}` : this.#worker ? 'started' : 'initial';
    const pid = this.pid !== null ? ` pid=${this.pid}` : '';
    return `<Process name='${this.#name}'${pid}${this.#daemon ? ' daemon' : ''} ${status}>`;
  }
}

/** Python's `multiprocessing.active_children()`: the Processes this thread started that are still running. */
export function activeChildren(): Process[] {
  const out: Process[] = [];
  for (const p of childRegistry()) if (p.isAlive()) out.push(p as Process);
  return out;
}
