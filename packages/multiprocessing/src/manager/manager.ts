/**
 * Manager: Python's `multiprocessing.Manager()`, a SyncManager started at once in a server thread
 * of this process (no network). Proxies to its dict, list and Namespace can be sent to any Process
 * or Pool task and used there, each method call a round trip to the server through shared memory
 * (channel.ts): a few microseconds when the server is awake.
 *
 *     await using manager = new Manager();
 *     const d = manager.dict();
 *     const p = new Process({ target: (d) => d.set(1, '1'), args: [d] });
 *
 * The synchronisation primitives, cells and queues that Python's manager also serves (Lock,
 * RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier, Value, Array, Queue,
 * JoinableQueue) are returned here as the sabkit shared-memory objects themselves: they already
 * work in every thread, with no server in between. A SyncManager returns served proxies instead
 * (needed when clients in other processes or machines share them).
 *
 * The constructor does not wait for the server thread: the first proxy call does, at most
 * `startTimeout` ms, and fails with ManagerStartError (code ERR_SABKIT_MANAGER_START) if the
 * server never ran (a missing file is reported at once).
 */
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  JoinableQueue,
  Lock,
  Queue,
  RLock,
  Semaphore,
  SharedArray,
  Value,
  type BarrierAction,
  type CellInit,
  type CellType,
  type LengthOrValues,
  type QueueOptions,
} from '@sabkit/atomics-sync';
import type { BaseManagerOptions } from './manager-options.js';
import type { DictProxy, NamespaceProxy } from './proxies.js';
import { createSharedDict } from './shared-dict.js';
import { DataManager } from './sync-manager.js';

/** `new Manager(options)`: the in-process server's limits (ms and bytes), as `BaseManagerOptions`'. */
export interface ManagerOptions
  extends Pick<BaseManagerOptions, 'channelBytes' | 'slots' | 'startTimeout' | 'timeout'> {}

export class Manager extends DataManager {
  /** Starts the server thread (Python: `Manager()` starts the server process). */
  constructor(options: ManagerOptions = {}) {
    super({
      ...(options.channelBytes !== undefined ? { channelBytes: options.channelBytes } : {}),
      ...(options.slots !== undefined ? { slots: options.slots } : {}),
      ...(options.startTimeout !== undefined ? { startTimeout: options.startTimeout } : {}),
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    });
    this.spawn({ role: 'server', types: [] });
  }

  /**
   * A managed dict whose entries live in shared memory (shared-dict.ts): a proxy's calls, in any
   * thread, read and write that table under its lock instead of asking the server thread, which
   * keeps only the object's place (its references, numberOfObjects). Values are still copies.
   */
  override dict<K = unknown, V = unknown>(init?: Iterable<readonly [K, V]> | Record<string, V>): DictProxy<K, V> {
    const table = createSharedDict();
    if (!table) return super.dict(init);
    const d = this.create<DictProxy<K, V>>('dict', []).attachTable(table);
    if (init !== undefined) d.update(init);
    return d;
  }

  /** A managed namespace, its attributes in a shared table as a dict's entries. */
  override Namespace(init?: Record<string, unknown>): NamespaceProxy {
    const table = createSharedDict();
    if (!table) return super.Namespace(init);
    const ns = this.create<NamespaceProxy>('Namespace', {}).attachTable(table);
    for (const [k, v] of Object.entries(init ?? {})) ns.set(k, v);
    return ns;
  }

  /** dict() without blocking the event loop (a browser's page): the same shared table. */
  override async dictAsync<K = unknown, V = unknown>(
    init?: Iterable<readonly [K, V]> | Record<string, V>,
  ): Promise<DictProxy<K, V>> {
    const table = createSharedDict();
    if (!table) return super.dictAsync(init);
    const d = (await this.createAsync<DictProxy<K, V>>('dict', [])).attachTable(table);
    if (init !== undefined)
      await d.callMethodAsync('update', [
        Symbol.iterator in Object(init) ? [...(init as Iterable<unknown>)] : Object.entries(init),
      ]);
    return d;
  }

  /** Namespace() without blocking the event loop (a browser's page). */
  override async NamespaceAsync(init?: Record<string, unknown>): Promise<NamespaceProxy> {
    const table = createSharedDict();
    if (!table) return super.NamespaceAsync(init);
    const ns = (await this.createAsync<NamespaceProxy>('Namespace', {})).attachTable(table);
    for (const [k, v] of Object.entries(init ?? {})) await ns.setAsync(k, v);
    return ns;
  }

  // Python's manager serves these through proxies; sabkit's live in shared memory already.
  Lock(): Lock {
    return new Lock();
  }
  RLock(): RLock {
    return new RLock();
  }
  Semaphore(value = 1): Semaphore {
    return new Semaphore(value);
  }
  BoundedSemaphore(value = 1): BoundedSemaphore {
    return new BoundedSemaphore(value);
  }
  Condition(): Condition {
    return new Condition();
  }
  Event(): Event {
    return new Event();
  }
  Barrier(parties: number, action?: BarrierAction | null, timeout?: number | null): Barrier {
    return new Barrier(parties, action, timeout);
  }
  Value<T extends CellType>(type: T, initial?: CellInit<T>): Value<T> {
    return new Value(type, initial);
  }
  Array<T extends CellType>(type: T, lengthOrValues: LengthOrValues<T>): SharedArray<T> {
    return new SharedArray(type, lengthOrValues);
  }
  Queue<T = unknown>(maxsize = 0, options: QueueOptions = {}): Queue<T> {
    return new Queue<T>({ ...options, maxsize });
  }
  JoinableQueue<T = unknown>(maxsize = 0, options: QueueOptions = {}): JoinableQueue<T> {
    return new JoinableQueue<T>({ ...options, maxsize });
  }
}
