/**
 * node:worker_threads for the browser build: the Worker, environment data, parentPort and thread
 * ids the pool uses, over module Web Workers.
 *
 * - Worker: a module Web Worker with Node's events. A Web Worker has no 'exit' event, so this one
 *   emits it when terminate() is called (code 1, as Node's terminate gives), and when the worker
 *   fails: the browser could not load its script (a missing file, a wrong MIME type, an import
 *   that failed; the error names the script), or it threw an uncaught exception (Node's worker
 *   dies of one; a Web Worker would go on, half broken, so this one is terminated), and when the
 *   worker called process.exit(code) (globals.ts: it posts the code, then closes). ref()/unref()
 *   do nothing: a page has no process to keep alive.
 * - Environment data: as Node copies it into a Worker when the Worker is constructed, the Worker
 *   here posts a copy as its first message, with the thread id and workerData; the worker's
 *   script awaits that message (workerStarted()) before it loads the pool's worker modules.
 * - receiveMessageOnPort gives a message that has not arrived yet as a Promise of it: a browser
 *   cannot receive a message synchronously (the pool waits for it; see the function).
 */
import { EventEmitter } from './events.js';

interface WebWorkerLike {
  postMessage(message: unknown, transfer?: unknown[]): void;
  terminate(): void;
  addEventListener(
    type: string,
    listener: (event: { data?: unknown; message?: string; error?: unknown; preventDefault(): void }) => void,
  ): void;
}

type Scope = {
  Worker?: new (url: string | URL, options: { type: 'module'; name?: string }) => WebWorkerLike;
  WorkerGlobalScope?: new () => unknown;
  postMessage?(message: unknown, transfer?: unknown[]): void;
  addEventListener?(type: string, listener: (event: { data: unknown }) => void): void;
  MessageChannel: typeof globalThis.MessageChannel;
  MessagePort: typeof globalThis.MessagePort;
};
const scope = globalThis as unknown as Scope;

/** Tag of the first message to a worker: `{ [START_MESSAGE]: true, env, threadId, workerData }`. */
export const START_MESSAGE = '__sabkitWorkerStart';
/** Tag of what a worker's process.exit(code) posts (globals.ts): `{ [EXIT_MESSAGE]: true, code }`. */
export const EXIT_MESSAGE = '__sabkitWorkerExit';

export const isMainThread: boolean =
  scope.WorkerGlobalScope === undefined || !(globalThis instanceof scope.WorkerGlobalScope);
export const MessageChannel = scope.MessageChannel;
export const MessagePort = scope.MessagePort;
export const SHARE_ENV: unique symbol = Symbol('SHARE_ENV') as never;
export const resourceLimits = {};

/**
 * The thread's state, one per thread on globalThis: a worker's script may hold more than one copy
 * of this module (each package's browser build bundles one), and a copy may be evaluated after the
 * start message came (loaded by a dynamic import); all must see the one environment and workerData.
 */
interface ThreadState {
  readonly env: Map<unknown, unknown>;
  threadId: number;
  workerData: unknown;
  /** Set in a worker: resolves once the start message has arrived. */
  started: Promise<void> | undefined;
  /** Copies' updaters of their exported threadId and workerData, run when the start message arrives. */
  readonly onStart: (() => void)[];
  parentPort: ParentPort | null;
}
const STATE_KEY = Symbol.for('sabkit.browser.workerThreads.v1');
const state: ThreadState = ((globalThis as Record<symbol, ThreadState | undefined>)[STATE_KEY] ??= {
  env: new Map(),
  threadId: 0,
  workerData: null,
  started: undefined,
  onStart: [],
  parentPort: null,
});
const env = state.env;
export let threadId = state.threadId;
export let workerData: unknown = state.workerData;
state.onStart.push(() => {
  threadId = state.threadId;
  workerData = state.workerData;
});

export function setEnvironmentData(key: unknown, value: unknown): void {
  if (value === undefined) env.delete(key);
  else env.set(key, value);
}

export function getEnvironmentData(key: unknown): unknown {
  return env.get(key);
}

/** Messages of a native MessagePort taken by receiveMessageOnPort, and callers waiting for the next. */
interface PortQueue {
  readonly messages: unknown[];
  readonly waiting: ((message: unknown) => void)[];
}
const queues = new WeakMap<object, PortQueue>();

/**
 * Node's receiveMessageOnPort, as far as a browser allows: the port's next message if it has
 * arrived, else a Promise of it (a browser delivers messages only from the event loop; the pool
 * waits on that Promise: worker/task-loop.ts, browser worker-pool's port). From the first call the
 * port's messages go to this queue, in order. A port-like object with `receive()` answers itself;
 * anything else (the worker's parentPort) throws the TypeError Node and Deno throw for a non-port.
 */
export function receiveMessageOnPort(port: unknown): { message: unknown } | undefined {
  const custom = port as { receive?: () => { message: unknown } };
  if (typeof custom?.receive === 'function') return custom.receive();
  if (!(port instanceof scope.MessagePort)) throw new TypeError('The "port" argument must be a MessagePort instance');
  let q = queues.get(port);
  if (q === undefined) {
    const queue: PortQueue = { messages: [], waiting: [] };
    q = queue;
    queues.set(port, queue);
    (port as unknown as { onmessage: (e: { data: unknown }) => void }).onmessage = (e) => {
      const next = queue.waiting.shift();
      if (next !== undefined) next(e.data);
      else queue.messages.push(e.data);
    };
  }
  if (q.messages.length > 0) return { message: q.messages.shift() };
  const queue = q;
  return { message: new Promise((resolve) => queue.waiting.push(resolve)) };
}

export function markAsUntransferable(_value: unknown): void {}

let nextThreadId = 1;

/** What the Worker below starts: a URL of a module script, or a function that makes the Web Worker. */
export type WorkerSource = string | URL | { create(): WebWorkerLike; script: string };

export class Worker extends EventEmitter {
  readonly threadId: number;
  readonly #worker: WebWorkerLike;
  readonly #script: string;
  #exited = false;
  readonly #exit: Promise<number>;
  #exitWith!: (code: number) => void;

  constructor(source: WorkerSource, options: { workerData?: unknown; name?: string } = {}) {
    super();
    if (scope.Worker === undefined) throw new Error('Web Workers are not available here');
    this.threadId = nextThreadId++;
    this.#exit = new Promise((resolve) => {
      this.#exitWith = resolve;
    });
    if (typeof source === 'object' && !(source instanceof URL)) {
      this.#script = source.script;
      this.#worker = source.create();
    } else {
      this.#script = String(source);
      this.#worker = new scope.Worker(source, { type: 'module', name: options.name });
    }
    this.#worker.addEventListener('message', (e) => {
      const m = e.data as Record<string, unknown> | null;
      if (typeof m === 'object' && m !== null && m[EXIT_MESSAGE] === true) this.#stop(m.code as number);
      else this.emit('message', e.data);
    });
    this.#worker.addEventListener('messageerror', () =>
      this.emit('error', new Error(`a message from worker ${this.threadId} could not be deserialized`)),
    );
    this.#worker.addEventListener('error', (e) => {
      e.preventDefault();
      const error =
        e.error instanceof Error
          ? e.error
          : new Error(
              typeof e.message === 'string' && e.message !== ''
                ? `uncaught in worker ${this.threadId} (${this.#script}): ${e.message}`
                : `the browser could not load the worker script ${this.#script} (a missing file, a wrong MIME type, ` +
                    'or an import that failed)',
            );
      this.emit('error', error);
      this.#stop(1);
    });
    this.#worker.postMessage({
      [START_MESSAGE]: true,
      env: [...env],
      threadId: this.threadId,
      workerData: options.workerData ?? null,
    });
  }

  postMessage(message: unknown, transfer?: readonly unknown[]): void {
    if (!this.#exited) this.#worker.postMessage(message, transfer as unknown[] | undefined);
  }

  ref(): void {}
  unref(): void {}

  terminate(): Promise<number> {
    this.#stop(1);
    return this.#exit;
  }

  #stop(code: number): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#worker.terminate();
    // After the current listeners, as Node's 'exit' comes from the event loop.
    queueMicrotask(() => {
      this.#exitWith(code);
      this.emit('exit', code);
    });
  }
}

/** The worker's end of its built-in channel, with Node's parentPort events; messages wait for a listener. */
class ParentPort extends EventEmitter {
  readonly #waiting: unknown[] = [];

  deliver(message: unknown): void {
    if (this.listenerCount('message') === 0) this.#waiting.push(message);
    else this.emit('message', message);
  }

  override on(event: string | symbol, listener: (...args: unknown[]) => void): this {
    super.on(event, listener);
    if (event === 'message' && this.#waiting.length > 0)
      queueMicrotask(() => {
        while (this.#waiting.length > 0 && this.listenerCount('message') > 0)
          this.emit('message', this.#waiting.shift());
      });
    return this;
  }

  postMessage(message: unknown, transfer?: readonly unknown[]): void {
    scope.postMessage?.(message, transfer as unknown[] | undefined);
  }

  ref(): void {}
  unref(): void {}
  start(): void {}
  close(): void {}
}

if (!isMainThread && state.parentPort === null) {
  const port = new ParentPort();
  state.parentPort = port;
  state.started = new Promise((resolve) => {
    scope.addEventListener?.('message', (e) => {
      const m = e.data as Record<string, unknown> | null;
      if (typeof m === 'object' && m !== null && m[START_MESSAGE] === true) {
        for (const [k, v] of m.env as [unknown, unknown][]) env.set(k, v);
        state.threadId = m.threadId as number;
        state.workerData = m.workerData;
        for (const update of state.onStart) update();
        resolve();
        return;
      }
      port.deliver(m);
    });
  });
}

export const parentPort: ParentPort | null = state.parentPort;

/**
 * In a worker: resolves once the start message (environment data, thread id, workerData) has
 * arrived. The first copy of this module listens from the moment it is evaluated, so no message
 * is lost.
 */
export function workerStarted(): Promise<void> {
  return state.started ?? Promise.reject(new Error('workerStarted(): not in a Web Worker'));
}

export default {
  isMainThread,
  get threadId() {
    return threadId;
  },
  get workerData() {
    return workerData;
  },
  MessageChannel,
  MessagePort,
  Worker,
  parentPort,
  setEnvironmentData,
  getEnvironmentData,
  receiveMessageOnPort,
};
