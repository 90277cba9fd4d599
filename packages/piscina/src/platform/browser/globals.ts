/**
 * Globals of Node the pool's code uses, for the browser build (injected by esbuild: every free
 * reference to these names in the bundle reads them from here). Timers are objects with ref() and
 * unref(), which do nothing: a page has no process to keep alive. `process` holds the little the
 * engine reads (platform, env, memoryUsage).
 */
type Callback = (...args: unknown[]) => void;
const g = globalThis as unknown as {
  setTimeout(fn: Callback, ms?: number, ...args: unknown[]): number;
  setInterval(fn: Callback, ms?: number, ...args: unknown[]): number;
  clearTimeout(id?: number): void;
  clearInterval(id?: number): void;
  performance: { memory?: { usedJSHeapSize?: number } };
};

class Timer {
  readonly id: number;
  constructor(id: number) {
    this.id = id;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

function idOf(t: unknown): number | undefined {
  return t instanceof Timer ? t.id : (t as number | undefined);
}

function browserSetTimeout(fn: Callback, ms?: number, ...args: unknown[]): Timer {
  return new Timer(g.setTimeout(fn, ms, ...args));
}
function browserSetInterval(fn: Callback, ms?: number, ...args: unknown[]): Timer {
  return new Timer(g.setInterval(fn, ms, ...args));
}
function browserClearTimeout(t: unknown): void {
  g.clearTimeout(idOf(t));
}
function browserClearInterval(t: unknown): void {
  g.clearInterval(idOf(t));
}

// setImmediate: a task of the event loop after the ones already queued, without setTimeout's
// 4 ms clamp (nested timers); a MessageChannel's message is such a task, as in the usual shims.
const immediates = new Map<number, () => void>();
let nextImmediate = 1;
let channel: { postMessage(id: number): void } | undefined;

function browserSetImmediate(fn: Callback, ...args: unknown[]): Timer {
  if (channel === undefined) {
    const mc = new MessageChannel();
    (mc.port1 as unknown as { onmessage: (e: { data: number }) => void }).onmessage = (e) => {
      const run = immediates.get(e.data);
      immediates.delete(e.data);
      run?.();
    };
    channel = mc.port2;
  }
  const id = nextImmediate++;
  immediates.set(id, () => fn(...args));
  channel.postMessage(id);
  return new Timer(-id);
}
function browserClearImmediate(t: unknown): void {
  const id = idOf(t);
  if (id !== undefined) immediates.delete(-id);
}

/** Tag of the message a worker's process.exit(code) posts to its Worker (platform worker-threads.ts). */
const EXIT_MESSAGE = '__sabkitWorkerExit';
const scope = globalThis as unknown as { postMessage?(m: unknown): void; close?(): void; WorkerGlobalScope?: unknown };

const browserProcess = {
  platform: 'browser',
  stdout: { write: (s: string) => console.log(String(s).replace(/\n$/, '')) },
  stderr: { write: (s: string) => console.error(String(s).replace(/\n$/, '')) },
  /**
   * In a Web Worker: tells the Worker on the other side the exit code (its 'exit' event carries
   * it) and closes the worker, which ends once the current task of its event loop returns (a Web
   * Worker cannot stop in the middle of one). A page cannot exit.
   */
  exit(code = 0): never {
    if (scope.WorkerGlobalScope === undefined) throw new Error('process.exit() is not available on a page');
    scope.postMessage?.({ [EXIT_MESSAGE]: true, code });
    scope.close?.();
    return undefined as never;
  },
  env: {} as Record<string, string | undefined>,
  argv: [] as string[],
  versions: {} as Record<string, string>,
  memoryUsage: () => ({ heapUsed: g.performance.memory?.usedJSHeapSize ?? 0 }),
  nextTick: (fn: Callback, ...args: unknown[]) => queueMicrotask(() => fn(...args)),
};

export {
  browserSetTimeout as setTimeout,
  browserSetInterval as setInterval,
  browserClearTimeout as clearTimeout,
  browserClearInterval as clearInterval,
  browserSetImmediate as setImmediate,
  browserClearImmediate as clearImmediate,
  browserProcess as process,
};
