/**
 * SyncManager: Python's multiprocessing.managers.SyncManager, a BaseManager with the standard
 * typeids registered (they are on every server: object-server.ts BUILTIN_TYPES). Each method makes
 * the object on the server and returns its proxy, usable from this process's threads and, through
 * connect(), from other processes and machines.
 */
import type { BaseManagerOptions } from './manager-options.js';
import { BaseManager } from './base-manager.js';
import type {
  ArrayProxy,
  DictProxy,
  JoinableQueueProxy,
  ListProxy,
  NamespaceProxy,
  QueueProxy,
  ValueProxy,
} from './proxies.js';
import type {
  AcquirerProxy,
  BarrierProxy,
  ConditionProxy,
  EventProxy,
  LockProxy,
  SemaphoreProxy,
} from './sync-proxies.js';

export type { BaseManagerOptions };

/** The managed containers both SyncManager and the local Manager serve. */
export class DataManager extends BaseManager {
  /** A managed dict, empty or filled from [key, value] pairs / a Map / a plain object. */
  dict<K = unknown, V = unknown>(init?: Iterable<readonly [K, V]> | Record<string, V>): DictProxy<K, V> {
    return this.create('dict', entriesOf(init));
  }
  /** A managed list, empty or filled from an iterable. */
  list<T = unknown>(init?: Iterable<T>): ListProxy<T> {
    return this.create('list', init === undefined ? [] : [...init]);
  }
  /** A managed namespace (Python's manager.Namespace()). */
  Namespace(init?: Record<string, unknown>): NamespaceProxy {
    return this.create('Namespace', init ?? {});
  }
  // The async forms (a browser's page, where making an object may not block): the same objects.
  dictAsync<K = unknown, V = unknown>(init?: Iterable<readonly [K, V]> | Record<string, V>): Promise<DictProxy<K, V>> {
    return this.createAsync('dict', entriesOf(init));
  }
  listAsync<T = unknown>(init?: Iterable<T>): Promise<ListProxy<T>> {
    return this.createAsync('list', init === undefined ? [] : [...init]);
  }
  NamespaceAsync(init?: Record<string, unknown>): Promise<NamespaceProxy> {
    return this.createAsync('Namespace', init ?? {});
  }
}

function entriesOf<K, V>(init?: Iterable<readonly [K, V]> | Record<string, V>): unknown[] {
  if (init === undefined) return [];
  return Symbol.iterator in Object(init) ? [...(init as Iterable<readonly [K, V]>)] : Object.entries(init);
}

export class SyncManager extends DataManager {
  /** A managed queue.Queue (maxsize 0: unbounded). */
  Queue<T = unknown>(maxsize = 0): QueueProxy<T> {
    return this.create('Queue', maxsize);
  }
  JoinableQueue<T = unknown>(maxsize = 0): JoinableQueueProxy<T> {
    return this.create('JoinableQueue', maxsize);
  }
  Lock(): LockProxy {
    return this.create('Lock');
  }
  RLock(): AcquirerProxy {
    return this.create('RLock');
  }
  Semaphore(value = 1): SemaphoreProxy {
    return this.create('Semaphore', value);
  }
  BoundedSemaphore(value = 1): SemaphoreProxy {
    return this.create('BoundedSemaphore', value);
  }
  /** A managed Condition over its own RLock. */
  Condition(): ConditionProxy {
    return this.create('Condition');
  }
  Event(): EventProxy {
    return this.create('Event');
  }
  /** A managed Barrier; no action (functions do not travel), an optional default timeout in ms. */
  Barrier(parties: number, action: null = null, timeout: number | null = null): BarrierProxy {
    return this.create('Barrier', parties, action, timeout);
  }
  /** Python's manager.Value(typecode, value): typecodes b B h H i I l L q Q f d. */
  Value<T = number>(typecode: string, value?: T): ValueProxy<T> {
    return this.create('Value', typecode, value);
  }
  /** Python's manager.Array(typecode, sequence or length). */
  Array<T = number>(typecode: string, init: Iterable<T> | number): ArrayProxy<T> {
    return this.create('Array', typecode, typeof init === 'number' ? init : [...init]);
  }
  // The async forms (a browser's page, where making an object may not block): the same objects.
  QueueAsync<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.createAsync('Queue', maxsize);
  }
  JoinableQueueAsync<T = unknown>(maxsize = 0): Promise<JoinableQueueProxy<T>> {
    return this.createAsync('JoinableQueue', maxsize);
  }
  LockAsync(): Promise<LockProxy> {
    return this.createAsync('Lock');
  }
  RLockAsync(): Promise<AcquirerProxy> {
    return this.createAsync('RLock');
  }
  SemaphoreAsync(value = 1): Promise<SemaphoreProxy> {
    return this.createAsync('Semaphore', value);
  }
  BoundedSemaphoreAsync(value = 1): Promise<SemaphoreProxy> {
    return this.createAsync('BoundedSemaphore', value);
  }
  ConditionAsync(): Promise<ConditionProxy> {
    return this.createAsync('Condition');
  }
  EventAsync(): Promise<EventProxy> {
    return this.createAsync('Event');
  }
  BarrierAsync(parties: number, action: null = null, timeout: number | null = null): Promise<BarrierProxy> {
    return this.createAsync('Barrier', parties, action, timeout);
  }
  ValueAsync<T = number>(typecode: string, value?: T): Promise<ValueProxy<T>> {
    return this.createAsync('Value', typecode, value);
  }
  ArrayAsync<T = number>(typecode: string, init: Iterable<T> | number): Promise<ArrayProxy<T>> {
    return this.createAsync('Array', typecode, typeof init === 'number' ? init : [...init]);
  }
}
