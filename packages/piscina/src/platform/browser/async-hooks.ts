/**
 * node:async_hooks for the browser build. Browsers have no async context tracking, so:
 *  - AsyncResource (a pool Task is one, for piscina's async_hooks integration) runs its callback
 *    directly;
 *  - AsyncLocalStorage gives the store set by run() during the synchronous part of the call only.
 *    The pool uses it to tell which task is current when a worker runs several at once
 *    (concurrentTasksPerWorker > 1); there, taskSignal()/reportProgress() called after an await
 *    see no current task. With one task at a time (the default) they always work.
 */
export class AsyncResource {
  readonly type: string;
  constructor(type: string, _options?: unknown) {
    this.type = type;
  }
  runInAsyncScope<R>(fn: (...args: never[]) => R, thisArg?: unknown, ...args: unknown[]): R {
    return (fn as (...a: unknown[]) => R).apply(thisArg, args);
  }
  emitDestroy(): this {
    return this;
  }
  asyncId(): number {
    return -1;
  }
  triggerAsyncId(): number {
    return -1;
  }
}

export class AsyncLocalStorage<T> {
  #store: T | undefined = undefined;
  getStore(): T | undefined {
    return this.#store;
  }
  run<R>(store: T, fn: (...args: never[]) => R, ...args: unknown[]): R {
    const before = this.#store;
    this.#store = store;
    try {
      return (fn as (...a: unknown[]) => R)(...args);
    } finally {
      this.#store = before;
    }
  }
}

export default { AsyncResource, AsyncLocalStorage };
