/**
 * Proxies of the managed containers: dict, list, Namespace, Queue, JoinableQueue, Value, Array
 * (Python's DictProxy, ListProxy, NamespaceProxy, the queue's AutoProxy, ValueProxy, ArrayProxy),
 * with Map-style and camelCase names. A method that may wait takes the timeout in ms as its last
 * argument and has an `…Async` form that does not block the event loop (docs/conventions.md).
 */
import { BaseProxy, registerProxyType } from './proxy-base.js';
import { TableProxy } from './table-proxy.js';

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

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Proxy to a managed dict (a Map on the server): Python's DictProxy with Map-style methods. */
export class DictProxy<K = unknown, V = unknown> extends TableProxy implements Iterable<K> {
  get(key: K): V | undefined;
  get<D>(key: K, dflt: D): V | D;
  get(key: K, dflt?: unknown): unknown {
    const t = this.local();
    if (t) return t.get(key, dflt);
    return this.callMethod('get', dflt === undefined ? [key] : [key, dflt]);
  }
  set(key: K, value: V): this {
    const t = this.local();
    if (t) t.set(key, value);
    else this.callMethod('set', [key, value]);
    return this;
  }
  has(key: K): boolean {
    return this.callMethod('has', [key]) as boolean;
  }
  delete(key: K): boolean {
    return this.callMethod('delete', [key]) as boolean;
  }
  get size(): number {
    return this.callMethod('size') as number;
  }
  keys(): K[] {
    return this.callMethod('keys') as K[];
  }
  values(): V[] {
    return this.callMethod('values') as V[];
  }
  /** Python's items(): [key, value] pairs. */
  items(): Array<[K, V]> {
    return this.callMethod('items') as Array<[K, V]>;
  }
  clear(): void {
    this.callMethod('clear');
  }
  update(entries: Iterable<readonly [K, V]> | Record<string, V>): void {
    const list =
      Symbol.iterator in Object(entries) ? [...(entries as Iterable<readonly [K, V]>)] : Object.entries(entries);
    this.callMethod('update', [list]);
  }
  /** Removes `key` and returns its value; without a default, a missing key is a KeyError. */
  pop(key: K, ...dflt: [] | [V]): V {
    return this.callMethod('pop', [key, ...dflt]) as V;
  }
  setdefault(key: K, dflt: V): V {
    return this.callMethod('setdefault', [key, dflt]) as V;
  }
  /** `d[key] += delta` in one request, atomic on the server (a missing key counts as 0). */
  add(key: K, delta: V): V {
    return this.callMethod('add', [key, delta]) as V;
  }
  copy(): Map<K, V> {
    return this.callMethod('copy') as Map<K, V>;
  }
  // The async forms: over this thread's own connection to a network manager (direct.ts), several
  // in flight at once; through the channel without blocking the event loop otherwise.
  getAsync(key: K): Promise<V | undefined>;
  getAsync<D>(key: K, dflt: D): Promise<V | D>;
  getAsync(key: K, dflt?: unknown): Promise<unknown> {
    return this.callMethodAsync('get', dflt === undefined ? [key] : [key, dflt]);
  }
  async setAsync(key: K, value: V): Promise<this> {
    await this.callMethodAsync('set', [key, value]);
    return this;
  }
  hasAsync(key: K): Promise<boolean> {
    return this.callMethodAsync('has', [key]) as Promise<boolean>;
  }
  deleteAsync(key: K): Promise<boolean> {
    return this.callMethodAsync('delete', [key]) as Promise<boolean>;
  }
  sizeAsync(): Promise<number> {
    return this.callMethodAsync('size') as Promise<number>;
  }
  keysAsync(): Promise<K[]> {
    return this.callMethodAsync('keys') as Promise<K[]>;
  }
  itemsAsync(): Promise<Array<[K, V]>> {
    return this.callMethodAsync('items') as Promise<Array<[K, V]>>;
  }
  popAsync(key: K, ...dflt: [] | [V]): Promise<V> {
    return this.callMethodAsync('pop', [key, ...dflt]) as Promise<V>;
  }
  addAsync(key: K, delta: V): Promise<V> {
    return this.callMethodAsync('add', [key, delta]) as Promise<V>;
  }
  copyAsync(): Promise<Map<K, V>> {
    return this.callMethodAsync('copy') as Promise<Map<K, V>>;
  }
  [Symbol.iterator](): Iterator<K> {
    return this.keys()[Symbol.iterator]();
  }
  /** Python's str(d): {1: '1', '2': 2, 0.25: None}. */
  override toString(): string {
    return pyRepr(this.copy());
  }
  [INSPECT](_d: number, options: object, inspect: (v: unknown, o: object) => string): string {
    return `DictProxy ${inspect(this.copy(), options)}`;
  }
}

/** Proxy to a managed list: Python's ListProxy. Indices may be negative, as in Python. */
export class ListProxy<T = unknown> extends BaseProxy implements Iterable<T> {
  get(i: number): T {
    return this.callMethod('get', [i]) as T;
  }
  set(i: number, value: T): void {
    this.callMethod('set', [i, value]);
  }
  get length(): number {
    return this.callMethod('length') as number;
  }
  append(value: T): void {
    this.callMethod('append', [value]);
  }
  extend(values: Iterable<T>): void {
    this.callMethod('extend', [[...values]]);
  }
  insert(i: number, value: T): void {
    this.callMethod('insert', [i, value]);
  }
  pop(i = -1): T {
    return this.callMethod('pop', [i]) as T;
  }
  remove(value: T): void {
    this.callMethod('remove', [value]);
  }
  index(value: T): number {
    return this.callMethod('index', [value]) as number;
  }
  count(value: T): number {
    return this.callMethod('count', [value]) as number;
  }
  reverse(): void {
    this.callMethod('reverse');
  }
  /** Python's default order (numbers numerically, strings by code unit), in place. */
  sort(options: { reverse?: boolean } = {}): void {
    this.callMethod('sort', [options.reverse === true]);
  }
  clear(): void {
    this.callMethod('clear');
  }
  getAsync(i: number): Promise<T> {
    return this.callMethodAsync('get', [i]) as Promise<T>;
  }
  async setAsync(i: number, value: T): Promise<void> {
    await this.callMethodAsync('set', [i, value]);
  }
  async appendAsync(value: T): Promise<void> {
    await this.callMethodAsync('append', [value]);
  }
  popAsync(i = -1): Promise<T> {
    return this.callMethodAsync('pop', [i]) as Promise<T>;
  }
  lengthAsync(): Promise<number> {
    return this.callMethodAsync('length') as Promise<number>;
  }
  copyAsync(): Promise<T[]> {
    return this.callMethodAsync('copy') as Promise<T[]>;
  }
  slice(start?: number, end?: number): T[] {
    return this.callMethod('slice', [start, end]) as T[];
  }
  copy(): T[] {
    return this.callMethod('copy') as T[];
  }
  [Symbol.iterator](): Iterator<T> {
    return this.copy()[Symbol.iterator]();
  }
  /** Python's str(l): [9, 8, 7]. */
  override toString(): string {
    return pyRepr(this.copy());
  }
  [INSPECT](_d: number, options: object, inspect: (v: unknown, o: object) => string): string {
    return `ListProxy ${inspect(this.copy(), options)}`;
  }
}

/** Proxy to a managed namespace (Python's Namespace); attributes through get/set. */
export class NamespaceProxy extends TableProxy {
  get(name: string): unknown {
    const t = this.local();
    return t ? t.get(name) : this.callMethod('get', [name]);
  }
  set(name: string, value: unknown): void {
    const t = this.local();
    if (t) t.set(name, value);
    else this.callMethod('set', [name, value]);
  }
  has(name: string): boolean {
    return this.callMethod('has', [name]) as boolean;
  }
  getAsync(name: string): Promise<unknown> {
    return this.callMethodAsync('get', [name]);
  }
  async setAsync(name: string, value: unknown): Promise<void> {
    await this.callMethodAsync('set', [name, value]);
  }
  delete(name: string): boolean {
    return this.callMethod('delete', [name]) as boolean;
  }
  keys(): string[] {
    return this.callMethod('keys') as string[];
  }
  copy(): Record<string, unknown> {
    return this.callMethod('copy') as Record<string, unknown>;
  }
  /** Python's repr: Namespace(a=1, b='x'). */
  override toString(): string {
    return `Namespace(${Object.entries(this.copy())
      .map(([k, v]) => `${k}=${pyRepr(v)}`)
      .join(', ')})`;
  }
}

/** Proxy to a managed queue.Queue: get/put wait on the server, so any client's put wakes a get. */
export class QueueProxy<T = unknown> extends BaseProxy {
  put(item: T, timeout?: number | null): void {
    this.callMethod('put', [item, timeout], timeout);
  }
  putAsync(item: T, timeout?: number | null): Promise<void> {
    return this.callMethodAsync('put', [item, timeout], timeout) as Promise<void>;
  }
  putNowait(item: T): void {
    this.callMethod('putNowait', [item]);
  }
  get(timeout?: number | null): T {
    return this.callMethod('get', [timeout], timeout) as T;
  }
  getAsync(timeout?: number | null): Promise<T> {
    return this.callMethodAsync('get', [timeout], timeout) as Promise<T>;
  }
  getNowait(): T {
    return this.callMethod('getNowait') as T;
  }
  qsize(): number {
    return this.callMethod('qsize') as number;
  }
  empty(): boolean {
    return this.callMethod('empty') as boolean;
  }
  full(): boolean {
    return this.callMethod('full') as boolean;
  }
}

/** Proxy to a managed JoinableQueue: a QueueProxy with taskDone and join. */
export class JoinableQueueProxy<T = unknown> extends QueueProxy<T> {
  taskDone(): void {
    this.callMethod('taskDone');
  }
  join(timeout?: number | null): boolean {
    return this.callMethod('join', [timeout], timeout) as boolean;
  }
  joinAsync(timeout?: number | null): Promise<boolean> {
    return this.callMethodAsync('join', [timeout], timeout) as Promise<boolean>;
  }
}

/** Python's ValueProxy: get(), set(), and the `value` property. */
export class ValueProxy<T = number> extends BaseProxy {
  get(): T {
    return this.callMethod('get') as T;
  }
  set(v: T): void {
    this.callMethod('set', [v]);
  }
  getAsync(): Promise<T> {
    return this.callMethodAsync('get') as Promise<T>;
  }
  async setAsync(v: T): Promise<void> {
    await this.callMethodAsync('set', [v]);
  }
  get value(): T {
    return this.get();
  }
  set value(v: T) {
    this.set(v);
  }
}

/** Python's ArrayProxy: get(i), set(i, v), length, copy(). */
export class ArrayProxy<T = number> extends BaseProxy implements Iterable<T> {
  get(i: number): T {
    return this.callMethod('get', [i]) as T;
  }
  set(i: number, v: T): void {
    this.callMethod('set', [i, v]);
  }
  get length(): number {
    return this.callMethod('length') as number;
  }
  copy(): T[] {
    return this.callMethod('copy') as T[];
  }
  [Symbol.iterator](): Iterator<T> {
    return this.copy()[Symbol.iterator]();
  }
}

registerProxyType('dict', DictProxy);
registerProxyType('list', ListProxy);
registerProxyType('Namespace', NamespaceProxy);
registerProxyType('Queue', QueueProxy);
registerProxyType('JoinableQueue', JoinableQueueProxy);
registerProxyType('Value', ValueProxy);
registerProxyType('Array', ArrayProxy);
