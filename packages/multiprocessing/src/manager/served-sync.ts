/**
 * The synchronisation primitives a network manager serves (Python's SyncManager.Lock() and kin):
 * plain objects in the server's one thread whose waits are promises, so that a client blocked in
 * `acquire` never blocks the server. Each waiter queue is FIFO and a release hands the lock (or
 * the permit) straight to the first waiter, so no client can barge past one that waits: that is
 * the fairness argument for every primitive here.
 *
 * Who calls is `caller()` (connection and thread of the request being served), as Python's
 * server knows a proxy's thread: an RLock or a Condition belongs to that caller.
 */
import {
  BrokenBarrierError,
  InvalidArgumentError,
  NotLockedError,
  NotOwnerError,
  SemaphoreOverflowError,
  describe,
  waitArgs,
  type TimeoutRule,
} from '@sabkit/atomics-sync';
import { currentCaller, withCaller } from './served-context.js';

/** A FIFO of promises, each settled by a wake-up (true) or its deadline (false). */
export class Waiters {
  readonly #q: Array<{ resolve: (v: boolean) => void; timer?: NodeJS.Timeout }> = [];

  get length(): number {
    return this.#q.length;
  }

  /** A promise resolved true by wakeOne/wakeAll, or false at `deadline` (performance.now()). */
  wait(deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry: { resolve: (v: boolean) => void; timer?: NodeJS.Timeout } = { resolve };
      if (deadline !== Infinity) {
        entry.timer = setTimeout(
          () => {
            const i = this.#q.indexOf(entry);
            if (i >= 0) this.#q.splice(i, 1);
            resolve(false);
          },
          Math.max(0, deadline - performance.now()),
        );
      }
      this.#q.push(entry);
    });
  }

  wakeOne(): boolean {
    const e = this.#q.shift();
    if (!e) return false;
    if (e.timer) clearTimeout(e.timer);
    e.resolve(true);
    return true;
  }

  wakeAll(): number {
    let n = 0;
    while (this.wakeOne()) n++;
    return n;
  }
}

export function deadline(timeout: unknown, what: string, rule: TimeoutRule): number {
  return waitArgs(timeout as number | null | undefined, what, rule)[0];
}

/** Python's threading.Lock, served: any caller may release it. */
export class ServedLock {
  protected owner: string | null = null;
  protected readonly waiters = new Waiters();

  acquire(timeout?: number | null): boolean | Promise<boolean> {
    const me = currentCaller();
    const d = deadline(timeout, 'Lock.acquire', 'lock');
    if (this.owner === null) {
      this.owner = me;
      return true;
    }
    if (d <= performance.now()) return false;
    return this.waiters.wait(d).then((woken) => {
      if (woken) this.owner = me; // release handed the lock over
      return woken;
    });
  }

  release(): void {
    if (this.owner === null) throw new NotLockedError('Lock.release(): the lock is not locked');
    this._handOver();
  }

  protected _handOver(): void {
    this.owner = null;
    // The woken waiter sets owner in its continuation; mark it taken now so nobody barges in.
    if (this.waiters.length > 0) {
      this.owner = '(handing over)';
      this.waiters.wakeOne();
    }
  }

  locked(): boolean {
    return this.owner !== null;
  }
}

/** Python's threading.RLock, served: owned by the caller that acquired it, re-entrant. */
export class ServedRLock extends ServedLock {
  #depth = 0;

  override acquire(timeout?: number | null): boolean | Promise<boolean> {
    const me = currentCaller();
    if (this.owner === me) {
      this.#depth++;
      return true;
    }
    const r = super.acquire(timeout);
    if (r === true) this.#depth = 1;
    if (r instanceof Promise)
      return r.then((ok) => {
        if (ok) this.#depth = 1;
        return ok;
      });
    return r;
  }

  override release(): void {
    if (this.owner !== currentCaller())
      throw new NotOwnerError('RLock.release(): cannot release an RLock this caller does not own');
    if (--this.#depth === 0) this._handOver();
  }

  isOwned(): boolean {
    return this.owner === currentCaller();
  }

  /** For Condition.wait: releases fully and returns the depth to restore. */
  _releaseAll(): number {
    const d = this.#depth;
    this.#depth = 1;
    this.release();
    return d;
  }

  _restore(depth: number): void {
    this.#depth = depth;
  }
}

/** Python's threading.Condition over its own RLock, served. */
export class ServedCondition {
  readonly #lock = new ServedRLock();
  readonly #waiters = new Waiters();

  acquire(timeout?: number | null): boolean | Promise<boolean> {
    return this.#lock.acquire(timeout);
  }
  release(): void {
    this.#lock.release();
  }
  async wait(timeout?: number | null): Promise<boolean> {
    if (!this.#lock.isOwned()) throw new NotOwnerError('Condition.wait(): cannot wait on an un-acquired lock');
    const me = currentCaller();
    const d = deadline(timeout, 'Condition.wait', 'python');
    const depth = this.#lock._releaseAll();
    const notified = d <= performance.now() ? false : await this.#waiters.wait(d);
    // Re-acquire as the same caller, whatever happened, as threading.Condition does.
    const reacquire = () => new ServedRLockAs(this.#lock, me).acquire();
    await reacquire();
    this.#lock._restore(depth);
    return notified;
  }
  notify(n = 1): number {
    if (!this.#lock.isOwned()) throw new NotOwnerError('Condition.notify(): cannot notify on an un-acquired lock');
    let k = 0;
    while (k < n && this.#waiters.wakeOne()) k++;
    return k;
  }
  notifyAll(): number {
    return this.notify(Number.MAX_SAFE_INTEGER);
  }
}

/** Acquires `lock` on behalf of `caller` from a continuation (where currentCaller() is gone). */
class ServedRLockAs {
  constructor(
    readonly lock: ServedRLock,
    readonly caller: string,
  ) {}
  acquire(): Promise<boolean> | boolean {
    return withCaller(this.caller, () => this.lock.acquire());
  }
}

/** Python's threading.Semaphore / BoundedSemaphore, served. */
export class ServedSemaphore {
  #value: number;
  readonly #initial: number;
  readonly #bounded: boolean;
  readonly #waiters = new Waiters();

  constructor(value: unknown = 1, bounded = false) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      throw new InvalidArgumentError(`Semaphore: value must be an integer >= 0, got ${describe(value)}`);
    this.#value = value;
    this.#initial = value;
    this.#bounded = bounded;
  }
  acquire(timeout?: number | null): boolean | Promise<boolean> {
    const d = deadline(timeout, 'Semaphore.acquire', 'python');
    if (this.#value > 0 && this.#waiters.length === 0) {
      this.#value--;
      return true;
    }
    if (d <= performance.now()) return false;
    return this.#waiters.wait(d); // a release hands its permit to the woken waiter
  }
  release(n: unknown = 1): void {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`Semaphore.release(n): n must be an integer >= 1, got ${describe(n)}`);
    if (this.#bounded && this.#value + n > this.#initial)
      throw new SemaphoreOverflowError('BoundedSemaphore.release(): released too many times');
    for (let i = 0; i < n; i++) if (!this.#waiters.wakeOne()) this.#value++;
  }
  getValue(): number {
    return this.#value;
  }
}

/** Python's threading.Event, served. */
export class ServedEvent {
  #flag = false;
  readonly #waiters = new Waiters();
  isSet(): boolean {
    return this.#flag;
  }
  set(): void {
    this.#flag = true;
    this.#waiters.wakeAll();
  }
  clear(): void {
    this.#flag = false;
  }
  wait(timeout?: number | null): boolean | Promise<boolean> {
    if (this.#flag) return true;
    const d = deadline(timeout, 'Event.wait', 'python');
    if (d <= performance.now()) return false;
    return this.#waiters.wait(d).then(() => this.#flag);
  }
}

/** Python's threading.Barrier, served (no action: functions do not travel). */
export class ServedBarrier {
  readonly #parties: number;
  readonly #timeout: number | null;
  #count = 0;
  #broken = false;
  // One per generation: a wait learns from its own generation whether it was released or broken.
  #gen = { waiters: new Waiters(), broken: false };

  constructor(parties: unknown, action?: unknown, timeout: number | null = null) {
    if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1)
      throw new InvalidArgumentError(`Barrier: parties must be an integer >= 1, got ${describe(parties)}`);
    if (action !== undefined && action !== null)
      throw new InvalidArgumentError('Barrier: a served barrier takes no action (functions do not travel)');
    this.#parties = parties;
    this.#timeout = timeout;
  }
  async wait(timeout?: number | null): Promise<number> {
    if (this.#broken) throw new BrokenBarrierError();
    const gen = this.#gen;
    const index = this.#count++;
    if (this.#count === this.#parties) {
      this.#count = 0;
      this.#gen = { waiters: new Waiters(), broken: false };
      gen.waiters.wakeAll();
      return index;
    }
    const d = deadline(timeout === undefined ? this.#timeout : timeout, 'Barrier.wait', 'python');
    const ok = d <= performance.now() ? false : await gen.waiters.wait(d);
    if (!ok && gen === this.#gen) this.abort();
    if (!ok || gen.broken) throw new BrokenBarrierError();
    return index;
  }
  abort(): void {
    this.#broken = true;
    this.#count = 0;
    this.#gen.broken = true;
    this.#gen.waiters.wakeAll();
  }
  reset(): void {
    this.abort();
    this.#broken = false;
    this.#gen = { waiters: new Waiters(), broken: false };
  }
  parties(): number {
    return this.#parties;
  }
  nWaiting(): number {
    return this.#count;
  }
  broken(): boolean {
    return this.#broken;
  }
}
