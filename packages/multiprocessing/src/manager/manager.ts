/**
 * Manager: Python's `multiprocessing.Manager()`. A server thread owns plain JavaScript objects (a
 * dict, a list, a namespace); proxies to them can be sent to any Process or Pool task and used
 * there, each method call a round trip to the server through shared memory (manager-channel.ts).
 *
 *     await using manager = new Manager();
 *     const d = manager.dict();
 *     const p = new Process({ target: (d) => d.set(1, '1'), args: [d] });
 *
 * As in Python, a manager is more flexible than shared memory (any structured-cloneable value,
 * containers that grow) and slower (every call is a request to another thread). Proxy calls are
 * synchronous, as Python's are: the calling thread blocks for the round trip (a few microseconds
 * when the server is idle), also on the main thread.
 *
 * The synchronisation primitives and typed cells that Python's manager also serves (Lock, RLock,
 * Semaphore, BoundedSemaphore, Event, Barrier, Value, Array) are returned here as the sabkit
 * shared-memory objects themselves: they already work in every thread, with no server in between.
 *
 * Not covered: serving over a socket to other machines (Python's BaseManager with an address and
 * authkey); managed objects are freed with the manager, not when their last proxy is dropped;
 * proxies inside managed containers.
 */
import { Worker } from 'node:worker_threads';
import {
  Barrier,
  BoundedSemaphore,
  Event,
  InvalidArgumentError,
  KIND_PROPERTY,
  Lock,
  RLock,
  Semaphore,
  SharedArray,
  Value,
  describe,
  registerKind,
  watchWorker,
  type BarrierAction,
  type CellInit,
  type CellType,
  type LengthOrValues,
  type SharedDescriptor,
} from '@sabkit/atomics-sync';
import { checkWorkerFile } from '@sabkit/piscina/internal';
import { DATA_OFFSET, DEFAULT_CHANNEL_BYTES, channelClient, markShutdown } from './manager-channel.js';

const KIND = 'ManagerProxy';
const SERVER_URL = new URL('./manager-server.js', import.meta.url);
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** What a proxy becomes after structured clone. */
export interface ProxyDescriptor extends SharedDescriptor {
  readonly id: number;
  readonly typeid: 'dict' | 'list' | 'namespace';
}

/** Formats a value as Python's repr would: None, True, 'text', [1, 2], {1: 'a'}. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string')
    return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  if (v instanceof Set) return v.size === 0 ? 'set()' : `{${[...v].map(pyRepr).join(', ')}}`;
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

abstract class BaseProxy {
  declare readonly [KIND_PROPERTY]: typeof KIND;
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  declare readonly id: number;
  declare readonly typeid: ProxyDescriptor['typeid'];

  constructor(buffer: SharedArrayBuffer, id: number, typeid: ProxyDescriptor['typeid']) {
    // Enumerable own fields: structured clone keeps them, and revive() finds the kind.
    for (const [k, v] of [
      [KIND_PROPERTY, KIND],
      ['buffer', buffer],
      ['byteOffset', 0],
      ['id', id],
      ['typeid', typeid],
    ] as const) {
      Object.defineProperty(this, k, { value: v, enumerable: true });
    }
  }

  /** Calls `method` on the managed object in the server thread. */
  protected call(method: string, ...args: unknown[]): unknown {
    return channelClient(this.buffer).call({ op: 'call', id: this.id, method, args });
  }

  /** A copy of the managed object. */
  abstract copy(): unknown;

  [INSPECT](_depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    return `${this.constructor.name} ${inspect(this.copy(), options)}`;
  }
}

/** Proxy to a managed dict (a Map on the server): Python's DictProxy with Map-style methods. */
export class DictProxy<K = unknown, V = unknown> extends BaseProxy implements Iterable<K> {
  get(key: K): V | undefined;
  get<D>(key: K, dflt: D): V | D;
  get(key: K, dflt?: unknown): unknown {
    return this.call('get', key, dflt);
  }
  set(key: K, value: V): this {
    this.call('set', key, value);
    return this;
  }
  has(key: K): boolean {
    return this.call('has', key) as boolean;
  }
  delete(key: K): boolean {
    return this.call('delete', key) as boolean;
  }
  get size(): number {
    return this.call('size') as number;
  }
  keys(): K[] {
    return this.call('keys') as K[];
  }
  values(): V[] {
    return this.call('values') as V[];
  }
  /** Python's items(): [key, value] pairs. */
  items(): Array<[K, V]> {
    return this.call('items') as Array<[K, V]>;
  }
  clear(): void {
    this.call('clear');
  }
  update(entries: Iterable<readonly [K, V]> | Record<string, V>): void {
    const list =
      Symbol.iterator in Object(entries) ? [...(entries as Iterable<readonly [K, V]>)] : Object.entries(entries);
    this.call('update', list);
  }
  /** Removes `key` and returns its value; without a default, a missing key is a KeyError. */
  pop(key: K, ...dflt: [] | [V]): V {
    return this.call('pop', key, ...dflt) as V;
  }
  setdefault(key: K, dflt: V): V {
    return this.call('setdefault', key, dflt) as V;
  }
  override copy(): Map<K, V> {
    return this.call('copy') as Map<K, V>;
  }
  [Symbol.iterator](): Iterator<K> {
    return this.keys()[Symbol.iterator]();
  }
  /** Python's str(d): {1: '1', '2': 2, 0.25: None}. */
  override toString(): string {
    return pyRepr(this.copy());
  }
}

/** Proxy to a managed list: Python's ListProxy. Indices may be negative, as in Python. */
export class ListProxy<T = unknown> extends BaseProxy implements Iterable<T> {
  get(i: number): T {
    return this.call('get', i) as T;
  }
  set(i: number, value: T): void {
    this.call('set', i, value);
  }
  get length(): number {
    return this.call('length') as number;
  }
  append(value: T): void {
    this.call('append', value);
  }
  extend(values: Iterable<T>): void {
    this.call('extend', [...values]);
  }
  insert(i: number, value: T): void {
    this.call('insert', i, value);
  }
  pop(i = -1): T {
    return this.call('pop', i) as T;
  }
  remove(value: T): void {
    this.call('remove', value);
  }
  index(value: T): number {
    return this.call('index', value) as number;
  }
  count(value: T): number {
    return this.call('count', value) as number;
  }
  reverse(): void {
    this.call('reverse');
  }
  /** Python's default order (numbers numerically, strings by code unit), in place. */
  sort(options: { reverse?: boolean } = {}): void {
    this.call('sort', options.reverse === true);
  }
  clear(): void {
    this.call('clear');
  }
  slice(start?: number, end?: number): T[] {
    return this.call('slice', start, end) as T[];
  }
  override copy(): T[] {
    return this.call('copy') as T[];
  }
  [Symbol.iterator](): Iterator<T> {
    return this.copy()[Symbol.iterator]();
  }
  /** Python's str(l): [9, 8, 7]. */
  override toString(): string {
    return pyRepr(this.copy());
  }
}

/** Proxy to a managed namespace (Python's Namespace); attributes through get/set. */
export class NamespaceProxy extends BaseProxy {
  get(name: string): unknown {
    return this.call('get', name);
  }
  set(name: string, value: unknown): void {
    this.call('set', name, value);
  }
  has(name: string): boolean {
    return this.call('has', name) as boolean;
  }
  delete(name: string): boolean {
    return this.call('delete', name) as boolean;
  }
  keys(): string[] {
    return this.call('keys') as string[];
  }
  override copy(): Record<string, unknown> {
    return this.call('copy') as Record<string, unknown>;
  }
  /** Python's repr: Namespace(a=1, b='x'). */
  override toString(): string {
    return `Namespace(${Object.entries(this.copy())
      .map(([k, v]) => `${k}=${pyRepr(v)}`)
      .join(', ')})`;
  }
}

function proxyFor(buffer: SharedArrayBuffer, id: number, typeid: ProxyDescriptor['typeid']): BaseProxy {
  if (typeid === 'dict') return new DictProxy(buffer, id, typeid);
  if (typeid === 'list') return new ListProxy(buffer, id, typeid);
  return new NamespaceProxy(buffer, id, typeid);
}

registerKind(KIND, (d) => {
  const p = d as ProxyDescriptor;
  if (
    !(p.buffer instanceof SharedArrayBuffer) ||
    !Number.isInteger(p.id) ||
    !['dict', 'list', 'namespace'].includes(p.typeid)
  ) {
    throw new InvalidArgumentError(`ManagerProxy: not a proxy descriptor: ${describe(d)}`);
  }
  return proxyFor(p.buffer, p.id, p.typeid);
});

export interface ManagerOptions {
  /** Bytes for one request or answer; default 1 MiB. */
  readonly channelBytes?: number;
}

export class Manager implements AsyncDisposable {
  readonly #buffer: SharedArrayBuffer;
  readonly #worker: Worker;
  readonly #exited: Promise<void>;

  /** Starts the server thread (Python: `Manager()` starts the server process). */
  constructor(options: ManagerOptions = {}) {
    const bytes = options.channelBytes ?? DEFAULT_CHANNEL_BYTES;
    if (!Number.isInteger(bytes) || bytes < 1024)
      throw new InvalidArgumentError(`Manager: channelBytes must be an integer >= 1024, got ${describe(bytes)}`);
    this.#buffer = new SharedArrayBuffer(DATA_OFFSET + bytes);
    checkWorkerFile(SERVER_URL, 'the Manager server');
    this.#worker = new Worker(SERVER_URL, { workerData: { buffer: this.#buffer } });
    watchWorker(this.#worker);
    // The server never keeps the program alive; it ends with it, or at shutdown().
    this.#worker.unref();
    this.#worker.on('error', (e) => process.stderr.write(`Manager server:\n${(e as Error)?.stack ?? String(e)}\n`));
    this.#exited = new Promise((r) => this.#worker.once('exit', () => r()));
  }

  #create<P extends BaseProxy>(typeid: ProxyDescriptor['typeid'], init: unknown): P {
    const id = channelClient(this.#buffer).call({ op: 'create', typeid, init }) as number;
    return proxyFor(this.#buffer, id, typeid) as P;
  }

  /** A managed dict, empty or filled from [key, value] pairs / a Map / a plain object. */
  dict<K = unknown, V = unknown>(init?: Iterable<readonly [K, V]> | Record<string, V>): DictProxy<K, V> {
    const entries =
      init === undefined
        ? []
        : Symbol.iterator in Object(init)
          ? [...(init as Iterable<readonly [K, V]>)]
          : Object.entries(init);
    return this.#create('dict', entries);
  }

  /** A managed list, empty or filled from an iterable. */
  list<T = unknown>(init?: Iterable<T>): ListProxy<T> {
    return this.#create('list', init === undefined ? [] : [...init]);
  }

  /** A managed namespace (Python's manager.Namespace()). */
  Namespace(init?: Record<string, unknown>): NamespaceProxy {
    return this.#create('namespace', init ?? {});
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

  /** Stops the server; proxies fail with ClosedError afterwards. */
  async shutdown(): Promise<void> {
    markShutdown(this.#buffer);
    // Clients now fail with ClosedError; nothing the server still holds is needed.
    await this.#worker.terminate();
    await this.#exited;
  }

  /** `await using manager = new Manager()`: shuts it down on leaving the block, as Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
