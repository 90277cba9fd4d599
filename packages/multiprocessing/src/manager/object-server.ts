/**
 * The objects a manager serves and the one function that reaches them (Python's
 * managers.Server): create by registered typeid, call an exposed method by name, and count
 * references per connection so that an object is freed when the last proxy anywhere lets go of it
 * (OP_DECREF from a proxy's FinalizationRegistry callback) or when the connection that held the
 * references closes. Nothing received is ever executed: a typeid selects a factory registered
 * on the server, a method name must be in the object's exposed set (computed at creation, never
 * `constructor`, `__proto__` or a name starting with `_`), and arguments are data.
 */
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';
import { NotExposedError } from './manager-errors.js';
import { setCaller } from './served-context.js';
import { ServedArray, ServedDict, ServedList, ServedNamespace, ServedQueue, ServedValue } from './served-containers.js';
import {
  ServedBarrier,
  ServedCondition,
  ServedEvent,
  ServedLock,
  ServedRLock,
  ServedSemaphore,
} from './served-sync.js';
import * as Wire from './wire.js';
import type { Request } from './wire.js';
// Local copies: in the CommonJS build an imported binding is a getter on every use (hot loops).
const { OP_CALL, OP_CREATE, OP_DECREF, OP_INCREF, OP_INFO } = Wire;

/** How a typeid is made on the server. */
export interface TypeEntry {
  /** Makes the object from the arguments of `manager.<typeid>(...)`; a class is called with `new`. */
  readonly callable: (...args: unknown[]) => unknown;
  /** Method names proxies may call; default: the object's public methods (Python's). */
  readonly exposed?: readonly string[];
}

const isClass = (f: unknown) => typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));

/** The built-in typeids, as Python's SyncManager registers them. */
export const BUILTIN_TYPES: ReadonlyMap<string, TypeEntry> = new Map<string, TypeEntry>([
  ['dict', { callable: (entries) => new ServedDict(entries as Iterable<[unknown, unknown]>) }],
  ['list', { callable: (items) => new ServedList(items as Iterable<unknown>) }],
  ['Namespace', { callable: (init) => new ServedNamespace(init as Record<string, unknown>) }],
  ['Queue', { callable: (maxsize) => new ServedQueue(maxsize) }],
  ['JoinableQueue', { callable: (maxsize) => new ServedQueue(maxsize) }],
  ['Lock', { callable: () => new ServedLock() }],
  ['RLock', { callable: () => new ServedRLock() }],
  ['Semaphore', { callable: (v) => new ServedSemaphore(v) }],
  ['BoundedSemaphore', { callable: (v) => new ServedSemaphore(v, true) }],
  ['Condition', { callable: () => new ServedCondition() }],
  ['Event', { callable: () => new ServedEvent() }],
  ['Barrier', { callable: (p, a, t) => new ServedBarrier(p, a, t as number | null) }],
  ['Value', { callable: (t, v) => new ServedValue(t, v) }],
  ['Array', { callable: (t, init) => new ServedArray(t, init) }],
]);

/** Python's public_methods(): every function reachable on the object whose name is not private. */
export function publicMethods(obj: unknown): string[] {
  const names = new Set<string>();
  for (let p = obj; p !== null && p !== undefined && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || name.startsWith('_')) continue;
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d && typeof d.value === 'function') names.add(name);
    }
  }
  return [...names];
}

interface Entry {
  readonly obj: Record<string, (...a: unknown[]) => unknown>;
  readonly typeid: string;
  readonly exposed: ReadonlySet<string>;
  refs: number;
}

export class ObjectServer {
  readonly #types: ReadonlyMap<string, TypeEntry>;
  readonly #objects = new Map<number, Entry>();
  readonly #connRefs = new Map<number, Map<number, number>>();
  #nextId = 1;

  constructor(types: ReadonlyMap<string, TypeEntry>) {
    this.#types = types;
  }

  /** Objects alive now (OP_INFO answers this). */
  get objectCount(): number {
    return this.#objects.size;
  }

  #ref(conn: number, id: number, delta: number): void {
    const e = this.#objects.get(id);
    if (!e) throw new InvalidArgumentError(`Manager: no managed object #${id}`);
    let refs = this.#connRefs.get(conn);
    if (!refs) this.#connRefs.set(conn, (refs = new Map()));
    const mine = (refs.get(id) ?? 0) + delta;
    if (mine < 0) return; // a decref this connection does not owe: ignore, never free another's object
    if (mine === 0) refs.delete(id);
    else refs.set(id, mine);
    e.refs += delta;
    if (e.refs <= 0) this.#objects.delete(id);
  }

  /** Lets go of every reference `conn` held (its connection closed). */
  dropConnection(conn: number): void {
    const refs = this.#connRefs.get(conn);
    if (!refs) return;
    this.#connRefs.delete(conn);
    for (const [id, n] of refs) {
      const e = this.#objects.get(id);
      if (e && (e.refs -= n) <= 0) this.#objects.delete(id);
    }
  }

  #create(conn: number, typeid: string, args: unknown[]): [number, string[]] {
    const t = this.#types.get(typeid);
    if (!t) throw new InvalidArgumentError(`Manager: no registered typeid ${describe(typeid)} on the server`);
    const obj = (
      isClass(t.callable)
        ? new (t.callable as unknown as new (...a: unknown[]) => unknown)(...args)
        : t.callable(...args)
    ) as Entry['obj'];
    if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function'))
      throw new InvalidArgumentError(
        `Manager: the callable of ${describe(typeid)} returned ${describe(obj)}, not an object`,
      );
    const exposed = (t.exposed ?? publicMethods(obj)).filter((m) => m !== 'constructor' && !m.startsWith('_'));
    const id = this.#nextId++;
    this.#objects.set(id, { obj, typeid, exposed: new Set(exposed), refs: 0 });
    this.#ref(conn, id, 1);
    return [id, exposed];
  }

  /** Serves one request of connection `conn`, thread `caller` there. */
  handle(conn: number, req: Request, caller: number): unknown {
    switch (req.op) {
      case OP_CALL: {
        const e = this.#objects.get(req.id);
        if (!e) throw new InvalidArgumentError(`Manager: no managed object #${req.id} (freed, or never made)`);
        if (!e.exposed.has(req.name))
          throw new NotExposedError(`Manager: a managed ${e.typeid} exposes no method ${describe(req.name)}`);
        const fn = e.obj[req.name];
        if (typeof fn !== 'function')
          throw new NotExposedError(`Manager: ${e.typeid}.${req.name} is not a method on the server`);
        setCaller(conn, caller);
        return fn.apply(e.obj, req.args);
      }
      case OP_CREATE:
        return this.#create(conn, req.name, req.args);
      case OP_INCREF:
        this.#ref(conn, req.id, 1);
        return undefined;
      case OP_DECREF:
        if (this.#objects.has(req.id)) this.#ref(conn, req.id, -1);
        return undefined;
      case OP_INFO:
        return { objects: this.#objects.size, connections: this.#connRefs.size };
      default:
        throw new InvalidArgumentError(`Manager: unknown op ${req.op}`);
    }
  }
}
