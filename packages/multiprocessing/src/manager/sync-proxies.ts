/**
 * Proxies of the served synchronisation primitives (Python's AcquirerProxy, ConditionProxy,
 * EventProxy, BarrierProxy): every wait happens on the server, with the timeout in ms as the last
 * argument, and each has an `…Async` form that leaves the event loop free.
 */
import { TimeoutError } from '@sabkit/atomics-sync';
import { BaseProxy, registerProxyType } from './proxy-base.js';

/** Proxy to a served Lock / RLock / Semaphore / BoundedSemaphore (Python's AcquirerProxy). */
export class AcquirerProxy extends BaseProxy {
  /** Its owner is the connection and thread of the sync calls: async ones go the same way. */
  static override viaLink = true;
  acquire(timeout?: number | null): boolean {
    return this.callMethod('acquire', [timeout], timeout) as boolean;
  }
  acquireAsync(timeout?: number | null): Promise<boolean> {
    return this.callMethodAsync('acquire', [timeout], timeout) as Promise<boolean>;
  }
  release(): void {
    this.callMethod('release');
  }
  /** release() for an event loop that may not block (a browser's page): a round trip to the server. */
  async releaseAsync(): Promise<void> {
    await this.callMethodAsync('release');
  }
  /** Runs `fn` holding the lock (Python's `with lock:`); TimeoutError if not acquired in time. */
  withLock<T>(fn: () => T, timeout?: number | null): T {
    if (!this.acquire(timeout)) throw new TimeoutError(`${this.typeid}.withLock(): not acquired within ${timeout} ms`);
    try {
      return fn();
    } finally {
      this.release();
    }
  }
}

export class LockProxy extends AcquirerProxy {
  locked(): boolean {
    return this.callMethod('locked') as boolean;
  }
}

export class SemaphoreProxy extends AcquirerProxy {
  override release(n = 1): void {
    this.callMethod('release', [n]);
  }
  override async releaseAsync(n = 1): Promise<void> {
    await this.callMethodAsync('release', [n]);
  }
  getValue(): number {
    return this.callMethod('getValue') as number;
  }
}

/** Python's ConditionProxy (over the condition's own served RLock). */
export class ConditionProxy extends AcquirerProxy {
  wait(timeout?: number | null): boolean {
    return this.callMethod('wait', [timeout], timeout) as boolean;
  }
  waitAsync(timeout?: number | null): Promise<boolean> {
    return this.callMethodAsync('wait', [timeout], timeout) as Promise<boolean>;
  }
  /** Waits until `predicate()` is truthy, as Python's ConditionProxy.wait_for does (client-side). */
  waitFor<T>(predicate: () => T, timeout?: number | null): T {
    let result = predicate();
    if (result) return result;
    const end = timeout === undefined || timeout === null ? Infinity : performance.now() + timeout;
    while (!result) {
      const left = end - performance.now();
      if (left <= 0) break;
      this.wait(left === Infinity ? null : left);
      result = predicate();
    }
    return result;
  }
  notify(n = 1): number {
    return this.callMethod('notify', [n]) as number;
  }
  notifyAll(): number {
    return this.callMethod('notifyAll') as number;
  }
  notifyAsync(n = 1): Promise<number> {
    return this.callMethodAsync('notify', [n]) as Promise<number>;
  }
  notifyAllAsync(): Promise<number> {
    return this.callMethodAsync('notifyAll') as Promise<number>;
  }
}

/** A proxy to a manager's `Event()`: `isSet`, `set`, `clear`, `wait(timeout ms)` and `waitAsync`. */
export class EventProxy extends BaseProxy {
  isSet(): boolean {
    return this.callMethod('isSet') as boolean;
  }
  set(): void {
    this.callMethod('set');
  }
  clear(): void {
    this.callMethod('clear');
  }
  // Non-waiting calls are round trips too: their async forms, for a browser's page.
  isSetAsync(): Promise<boolean> {
    return this.callMethodAsync('isSet') as Promise<boolean>;
  }
  async setAsync(): Promise<void> {
    await this.callMethodAsync('set');
  }
  async clearAsync(): Promise<void> {
    await this.callMethodAsync('clear');
  }
  wait(timeout?: number | null): boolean {
    return this.callMethod('wait', [timeout], timeout) as boolean;
  }
  waitAsync(timeout?: number | null): Promise<boolean> {
    return this.callMethodAsync('wait', [timeout], timeout) as Promise<boolean>;
  }
}

/** A proxy to a manager's `Barrier()`: `wait(timeout ms)` returns the arrival index, as Python's. */
export class BarrierProxy extends BaseProxy {
  wait(timeout?: number | null): number {
    return this.callMethod('wait', timeout === undefined ? [] : [timeout], timeout) as number;
  }
  waitAsync(timeout?: number | null): Promise<number> {
    return this.callMethodAsync('wait', timeout === undefined ? [] : [timeout], timeout) as Promise<number>;
  }
  abort(): void {
    this.callMethod('abort');
  }
  reset(): void {
    this.callMethod('reset');
  }
  get parties(): number {
    return this.callMethod('parties') as number;
  }
  get nWaiting(): number {
    return this.callMethod('nWaiting') as number;
  }
  get broken(): boolean {
    return this.callMethod('broken') as boolean;
  }
}

registerProxyType('Lock', LockProxy);
registerProxyType('RLock', AcquirerProxy);
registerProxyType('Semaphore', SemaphoreProxy);
registerProxyType('BoundedSemaphore', SemaphoreProxy);
registerProxyType('Condition', ConditionProxy);
registerProxyType('Event', EventProxy);
registerProxyType('Barrier', BarrierProxy);
