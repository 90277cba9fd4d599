/**
 * Entry point of a Manager's server thread (Python's manager server process): owns the managed
 * objects and runs the methods proxies ask for, one request at a time, until shutdown. Its event
 * loop never runs: it blocks in Atomics.wait between requests, which costs no CPU.
 *
 * The method tables are the whole interface: a proxy can call nothing else. Keys of a managed dict
 * compare as a JavaScript Map's do (SameValueZero), so 1 and '1' are different keys, as in
 * Python; a key that is an object or array is a fresh copy in every request, so only primitive
 * keys can be found again.
 */
import { threadId, workerData } from 'node:worker_threads';
import { IndexError, InvalidArgumentError, describe, markThreadDead } from '@sabkit/atomics-sync';
import { KeyError } from '../errors.js';
import { serve, type Request } from './manager-channel.js';

type Dict = Map<unknown, unknown>;
type List = unknown[];
type Namespace = Map<string, unknown>;
type Managed =
  | { readonly typeid: 'dict'; readonly value: Dict }
  | { readonly typeid: 'list'; readonly value: List }
  | { readonly typeid: 'namespace'; readonly value: Namespace };

const objects = new Map<number, Managed>();
let nextId = 1;

/** Python's list indexing: -len <= i < len; `insert` and slices clamp instead. */
function index(list: List, i: unknown, method: string): number {
  if (typeof i !== 'number' || !Number.isInteger(i))
    throw new InvalidArgumentError(`list.${method}(): index must be an integer, got ${describe(i)}`);
  const j = i < 0 ? i + list.length : i;
  if (j < 0 || j >= list.length)
    throw new IndexError(`list.${method}(): index ${i} out of range for a list of ${list.length}`);
  return j;
}

// Python's default sort order, for numbers, strings, bigints and booleans (JavaScript's default
// sort compares everything as strings).
function compare(a: unknown, b: unknown): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

const DICT: Record<string, (d: Dict, ...a: unknown[]) => unknown> = {
  get: (d, k, dflt) => (d.has(k) ? d.get(k) : dflt),
  set: (d, k, v) => void d.set(k, v),
  has: (d, k) => d.has(k),
  delete: (d, k) => d.delete(k),
  size: (d) => d.size,
  keys: (d) => [...d.keys()],
  values: (d) => [...d.values()],
  items: (d) => [...d.entries()],
  clear: (d) => d.clear(),
  copy: (d) => new Map(d),
  update: (d, entries) => {
    for (const [k, v] of entries as Iterable<[unknown, unknown]>) d.set(k, v);
  },
  pop: (d, ...a) => {
    const [k] = a;
    if (d.has(k)) {
      const v = d.get(k);
      d.delete(k);
      return v;
    }
    if (a.length > 1) return a[1];
    throw new KeyError(`dict.pop(): no key ${describe(k)}`);
  },
  setdefault: (d, k, dflt) => {
    if (!d.has(k)) d.set(k, dflt);
    return d.get(k);
  },
};

const LIST: Record<string, (l: List, ...a: unknown[]) => unknown> = {
  get: (l, i) => l[index(l, i, 'get')],
  set: (l, i, v) => void (l[index(l, i, 'set')] = v),
  length: (l) => l.length,
  append: (l, v) => void l.push(v),
  extend: (l, vs) => void l.push(...(vs as unknown[])),
  insert: (l, i, v) => {
    if (typeof i !== 'number' || !Number.isInteger(i))
      throw new InvalidArgumentError(`list.insert(): index must be an integer, got ${describe(i)}`);
    const j = Math.min(l.length, Math.max(0, i < 0 ? i + l.length : i));
    l.splice(j, 0, v);
  },
  pop: (l, i = -1) => {
    if (l.length === 0) throw new IndexError('list.pop(): pop from empty list');
    return l.splice(index(l, i, 'pop'), 1)[0];
  },
  remove: (l, v) => {
    const j = l.indexOf(v);
    if (j < 0) throw new InvalidArgumentError(`list.remove(x): x not in list (x = ${describe(v)})`);
    l.splice(j, 1);
  },
  index: (l, v) => {
    const j = l.indexOf(v);
    if (j < 0) throw new InvalidArgumentError(`list.index(x): ${describe(v)} is not in list`);
    return j;
  },
  count: (l, v) => l.filter((x) => x === v).length,
  reverse: (l) => void l.reverse(),
  sort: (l, reverse) => {
    l.sort(compare);
    if (reverse === true) l.reverse();
  },
  clear: (l) => void (l.length = 0),
  slice: (l, start, end) => l.slice(start as number | undefined, end as number | undefined),
  copy: (l) => [...l],
};

const NAMESPACE: Record<string, (n: Namespace, ...a: unknown[]) => unknown> = {
  get: (n, k) => n.get(k as string),
  set: (n, k, v) => void n.set(k as string, v),
  has: (n, k) => n.has(k as string),
  delete: (n, k) => n.delete(k as string),
  keys: (n) => [...n.keys()],
  copy: (n) => Object.fromEntries(n),
};

const TABLES = { dict: DICT, list: LIST, namespace: NAMESPACE } as const;

function create(typeid: string, init: unknown): number {
  let obj: Managed;
  if (typeid === 'dict') obj = { typeid, value: new Map(init as Iterable<[unknown, unknown]>) };
  else if (typeid === 'list') obj = { typeid, value: [...((init as Iterable<unknown>) ?? [])] };
  else if (typeid === 'namespace')
    obj = { typeid, value: new Map(Object.entries((init as Record<string, unknown>) ?? {})) };
  else throw new InvalidArgumentError(`Manager: no managed type ${describe(typeid)}`);
  const id = nextId++;
  objects.set(id, obj);
  return id;
}

function handle(req: Request): unknown {
  if (req.op === 'create') return create(req.typeid, req.init);
  const obj = objects.get(req.id);
  if (!obj) throw new InvalidArgumentError(`Manager: no managed object #${req.id}`);
  const fn = (TABLES[obj.typeid] as Record<string, (o: unknown, ...a: unknown[]) => unknown>)[req.method];
  if (!Object.hasOwn(TABLES[obj.typeid], req.method) || !fn)
    throw new InvalidArgumentError(`Manager: a managed ${obj.typeid} has no method ${describe(req.method)}`);
  return fn(obj.value, ...req.args);
}

try {
  serve((workerData as { buffer: SharedArrayBuffer }).buffer, threadId, handle);
} finally {
  // Waiting clients poll the liveness table: say at once that the server is gone, however it
  // ends (its parent's 'exit' listener may not run while the parent blocks in a proxy call).
  markThreadDead(threadId);
}
process.exit(0);
