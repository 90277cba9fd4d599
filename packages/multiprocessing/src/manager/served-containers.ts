/**
 * The containers a manager serves: dict (a Map, so 1 and '1' are different keys, as in Python),
 * list (Python's indexing), Namespace, Queue/JoinableQueue (Python's queue.Queue, waits as
 * promises), Value and Array (a number or numbers of one typecode). Their public methods are the
 * whole interface: the server calls nothing else (object-server.ts).
 */
import { Empty, Full, IndexError, InvalidArgumentError, TaskDoneError, describe } from '@sabkit/atomics-sync';
import { KeyError } from '../errors.js';
import { Waiters, deadline } from './served-sync.js';

function index(length: number, i: unknown, method: string): number {
  if (typeof i !== 'number' || !Number.isInteger(i))
    throw new InvalidArgumentError(`list.${method}(): index must be an integer, got ${describe(i)}`);
  const j = i < 0 ? i + length : i;
  if (j < 0 || j >= length) throw new IndexError(`list.${method}(): index ${i} out of range for a list of ${length}`);
  return j;
}

// Python's default order for numbers, strings, bigints and booleans (JavaScript's sort compares
// everything as strings).
function compare(a: unknown, b: unknown): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/** The dict a manager's `dict()` serves (a `Map` with Python's dict methods); reached through `DictProxy`. */
export class ServedDict {
  readonly #m: Map<unknown, unknown>;
  constructor(entries?: Iterable<[unknown, unknown]>) {
    this.#m = new Map(entries ?? []);
  }
  get(k: unknown, dflt?: unknown): unknown {
    const v = this.#m.get(k);
    return v !== undefined || this.#m.has(k) ? v : dflt;
  }
  set(k: unknown, v: unknown): void {
    this.#m.set(k, v);
  }
  has(k: unknown): boolean {
    return this.#m.has(k);
  }
  delete(k: unknown): boolean {
    return this.#m.delete(k);
  }
  size(): number {
    return this.#m.size;
  }
  keys(): unknown[] {
    return [...this.#m.keys()];
  }
  values(): unknown[] {
    return [...this.#m.values()];
  }
  items(): unknown[] {
    return [...this.#m.entries()];
  }
  clear(): void {
    this.#m.clear();
  }
  copy(): Map<unknown, unknown> {
    return new Map(this.#m);
  }
  update(entries: Iterable<[unknown, unknown]>): void {
    for (const [k, v] of entries) this.#m.set(k, v);
  }
  pop(...a: unknown[]): unknown {
    const [k] = a;
    if (this.#m.has(k)) {
      const v = this.#m.get(k);
      this.#m.delete(k);
      return v;
    }
    if (a.length > 1) return a[1];
    throw new KeyError(`dict.pop(): no key ${describe(k)}`);
  }
  setdefault(k: unknown, dflt: unknown): unknown {
    if (!this.#m.has(k)) this.#m.set(k, dflt);
    return this.#m.get(k);
  }
  /** d[k] += delta in one request (numbers or bigints): a counter without a lock. */
  add(k: unknown, delta: unknown): unknown {
    const v = ((this.#m.get(k) ?? (typeof delta === 'bigint' ? 0n : 0)) as number) + (delta as number);
    this.#m.set(k, v);
    return v;
  }
}

/** The list a manager's `list()` serves, with Python's list methods; reached through `ListProxy`. */
export class ServedList {
  readonly #l: unknown[];
  constructor(items?: Iterable<unknown>) {
    this.#l = [...(items ?? [])];
  }
  get(i: unknown): unknown {
    return this.#l[index(this.#l.length, i, 'get')];
  }
  set(i: unknown, v: unknown): void {
    this.#l[index(this.#l.length, i, 'set')] = v;
  }
  length(): number {
    return this.#l.length;
  }
  append(v: unknown): void {
    this.#l.push(v);
  }
  extend(vs: unknown[]): void {
    for (const v of vs) this.#l.push(v);
  }
  insert(i: unknown, v: unknown): void {
    if (typeof i !== 'number' || !Number.isInteger(i))
      throw new InvalidArgumentError(`list.insert(): index must be an integer, got ${describe(i)}`);
    const n = this.#l.length;
    this.#l.splice(Math.min(n, Math.max(0, i < 0 ? i + n : i)), 0, v);
  }
  pop(i: unknown = -1): unknown {
    if (this.#l.length === 0) throw new IndexError('list.pop(): pop from empty list');
    return this.#l.splice(index(this.#l.length, i, 'pop'), 1)[0];
  }
  remove(v: unknown): void {
    const j = this.#l.indexOf(v);
    if (j < 0) throw new InvalidArgumentError(`list.remove(x): x not in list (x = ${describe(v)})`);
    this.#l.splice(j, 1);
  }
  index(v: unknown): number {
    const j = this.#l.indexOf(v);
    if (j < 0) throw new InvalidArgumentError(`list.index(x): ${describe(v)} is not in list`);
    return j;
  }
  count(v: unknown): number {
    return this.#l.filter((x) => x === v).length;
  }
  reverse(): void {
    this.#l.reverse();
  }
  sort(reverse: unknown): void {
    this.#l.sort(compare);
    if (reverse === true) this.#l.reverse();
  }
  clear(): void {
    this.#l.length = 0;
  }
  slice(start?: number, end?: number): unknown[] {
    return this.#l.slice(start, end);
  }
  copy(): unknown[] {
    return [...this.#l];
  }
}

/** The namespace a manager's `Namespace()` serves (named attributes); reached through `NamespaceProxy`. */
export class ServedNamespace {
  readonly #m: Map<string, unknown>;
  constructor(init?: Record<string, unknown>) {
    this.#m = new Map(Object.entries(init ?? {}));
  }
  get(k: string): unknown {
    return this.#m.get(k);
  }
  set(k: string, v: unknown): void {
    this.#m.set(k, v);
  }
  has(k: string): boolean {
    return this.#m.has(k);
  }
  delete(k: string): boolean {
    return this.#m.delete(k);
  }
  keys(): string[] {
    return [...this.#m.keys()];
  }
  copy(): Record<string, unknown> {
    return Object.fromEntries(this.#m);
  }
}

/** Python's queue.Queue (and JoinableQueue's taskDone/join), served. */
export class ServedQueue {
  readonly #items: unknown[] = [];
  readonly #maxsize: number;
  readonly #getters = new Waiters();
  readonly #putters = new Waiters();
  readonly #joiners = new Waiters();
  #unfinished = 0;

  constructor(maxsize: unknown = 0) {
    if (typeof maxsize !== 'number' || !Number.isInteger(maxsize))
      throw new InvalidArgumentError(`Queue: maxsize must be an integer, got ${describe(maxsize)}`);
    this.#maxsize = maxsize;
  }
  #full(): boolean {
    return this.#maxsize > 0 && this.#items.length >= this.#maxsize;
  }
  #push(item: unknown): void {
    this.#items.push(item);
    this.#unfinished++;
    this.#getters.wakeOne();
  }
  async put(item: unknown, timeout?: number | null): Promise<void> {
    const d = deadline(timeout, 'Queue.put', 'python');
    while (this.#full()) {
      if (d <= performance.now() || !(await this.#putters.wait(d))) throw new Full();
    }
    this.#push(item);
  }
  putNowait(item: unknown): void {
    if (this.#full()) throw new Full();
    this.#push(item);
  }
  async get(timeout?: number | null): Promise<unknown> {
    const d = deadline(timeout, 'Queue.get', 'python');
    while (this.#items.length === 0) {
      if (d <= performance.now() || !(await this.#getters.wait(d))) throw new Empty();
    }
    return this.getNowait();
  }
  getNowait(): unknown {
    if (this.#items.length === 0) throw new Empty();
    const item = this.#items.shift();
    this.#putters.wakeOne();
    // A woken getter that finds the queue empty again waits on: pass the wake-up along.
    if (this.#items.length > 0) this.#getters.wakeOne();
    return item;
  }
  qsize(): number {
    return this.#items.length;
  }
  empty(): boolean {
    return this.#items.length === 0;
  }
  full(): boolean {
    return this.#full();
  }
  taskDone(): void {
    if (this.#unfinished === 0) throw new TaskDoneError('JoinableQueue.taskDone(): called too many times');
    if (--this.#unfinished === 0) this.#joiners.wakeAll();
  }
  join(timeout?: number | null): boolean | Promise<boolean> {
    if (this.#unfinished === 0) return true;
    const d = deadline(timeout, 'JoinableQueue.join', 'python');
    if (d <= performance.now()) return false;
    return this.#joiners.wait(d);
  }
}

const TYPECODES: Record<string, new (n: number) => ArrayLike<number | bigint> & { [i: number]: number | bigint }> = {
  b: Int8Array,
  B: Uint8Array,
  h: Int16Array,
  H: Uint16Array,
  i: Int32Array,
  I: Uint32Array,
  l: BigInt64Array,
  L: BigUint64Array,
  q: BigInt64Array,
  Q: BigUint64Array,
  f: Float32Array,
  d: Float64Array,
};

function cells(typecode: unknown, n: number): ArrayLike<number | bigint> & { [i: number]: number | bigint } {
  const C = typeof typecode === 'string' && Object.hasOwn(TYPECODES, typecode) ? TYPECODES[typecode] : undefined;
  if (!C)
    throw new InvalidArgumentError(
      `Value/Array: typecode must be one of ${Object.keys(TYPECODES).join('')}, got ${describe(typecode)}`,
    );
  return new C(n);
}

/** Python's manager.Value(typecode, value): get(), set(). */
export class ServedValue {
  readonly #cell: { [i: number]: number | bigint };
  constructor(typecode: unknown, value: unknown = 0) {
    this.#cell = cells(typecode, 1);
    this.set(value);
  }
  get(): unknown {
    return this.#cell[0];
  }
  set(v: unknown): void {
    this.#cell[0] = v as number;
  }
}

/** Python's manager.Array(typecode, sequence): get(i), set(i, v), length(), copy(). */
export class ServedArray {
  readonly #a: ArrayLike<number | bigint> & { [i: number]: number | bigint };
  constructor(typecode: unknown, init: unknown) {
    const values = typeof init === 'number' ? null : Array.from(init as Iterable<number>);
    this.#a = cells(typecode, values ? values.length : (init as number));
    if (values) for (let i = 0; i < values.length; i++) this.set(i, values[i]);
  }
  get(i: unknown): unknown {
    return this.#a[index(this.#a.length, i, 'get')];
  }
  set(i: unknown, v: unknown): void {
    this.#a[index(this.#a.length, i, 'set')] = v as number;
  }
  length(): number {
    return this.#a.length;
  }
  copy(): unknown[] {
    return Array.from(this.#a);
  }
}
