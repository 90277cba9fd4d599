/**
 * BaseProxy: the client's handle on a managed object (Python's multiprocessing.managers.BaseProxy).
 * It holds the channel, the object's id, its typeid and exposed methods; structured clone keeps
 * exactly those fields (a proxy sent to a Process or a Pool task is revived there over the same
 * channel). References are counted as Python's proxies count them: the proxy made by `create`
 * owns one, a revived proxy takes one (OP_INCREF), and a proxy that is garbage-collected gives
 * its back (OP_DECREF from a FinalizationRegistry callback), so the server frees an object when
 * no proxy is left. A thread that sends a proxy must keep it until the receiver has revived it,
 * as in Python.
 */
import {
  InvalidArgumentError,
  KIND_PROPERTY,
  canBlock,
  describe,
  registerKind,
  type SharedDescriptor,
} from '@sabkit/atomics-sync';
import * as Channel from './channel.js';
import { channelClient } from './channel-client.js';
import { directFor } from './direct-registry.js';
import * as Wire from './wire.js';
import { TimeoutError } from '@sabkit/atomics-sync';
// Local copies: in the CommonJS build an imported binding is a getter on every use (hot loops).
const { REQUEST_MS } = Channel;
const { OP_CALL, OP_DECREF, OP_INCREF } = Wire;

export const PROXY_KIND = 'ManagerProxy';
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** What a proxy becomes after structured clone. */
export interface ProxyDescriptor extends SharedDescriptor {
  readonly id: number;
  readonly typeid: string;
  readonly exposed: readonly string[];
}

type ProxyCtor = new (buffer: SharedArrayBuffer, id: number, typeid: string, exposed: readonly string[]) => BaseProxy;
const proxyTypes = new Map<string, ProxyCtor>();

/** The proxy class made for `typeid` (built-ins register theirs; others get AutoProxy). */
export function registerProxyType(typeid: string, ctor: ProxyCtor): void {
  proxyTypes.set(typeid, ctor);
}

const finalizer = new FinalizationRegistry<{ buffer: SharedArrayBuffer; id: number }>(({ buffer, id }) => {
  try {
    send(buffer, OP_DECREF, id, performance.now() + 1000);
  } catch {
    // The manager is gone: nothing to give back.
  }
});

/**
 * A reference count request: answered synchronously where this thread may block; on a browser's
 * page sent without waiting (the request is in its slot when this returns, so it is ordered as a
 * synchronous one would be; the server's answer is only a confirmation).
 */
function send(buffer: SharedArrayBuffer, op: number, id: number, deadline: number): void {
  const c = channelClient(buffer);
  if (canBlock) c.call(op, id, '', [], deadline);
  else c.callAsync(op, id, '', [], deadline).catch(() => {});
}

/** The deadline of a call: REQUEST_MS beyond its own timeout (none for a wait without one). */
export function deadlineOf(buffer: SharedArrayBuffer, wait: number | null | undefined | 'none'): number {
  const extra = new Int32Array(buffer)[REQUEST_MS] as number;
  if (extra === 0) return Infinity;
  if (wait === 'none') return performance.now() + extra;
  if (wait === undefined || wait === null || wait === Infinity || wait < 0) return Infinity;
  return performance.now() + wait + extra;
}

/**
 * Python's `BaseProxy`: a handle to an object on a manager's server, usable from any thread (it
 * revives in workers). `callMethod(name, args)` calls it there; a method the type does not expose
 * fails with `NotExposedError`; an error the method throws on the server is thrown here.
 */
export class BaseProxy {
  declare readonly [KIND_PROPERTY]: typeof PROXY_KIND;
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  declare readonly id: number;
  declare readonly typeid: string;
  declare readonly exposed: readonly string[];
  /** True for proxies whose async calls must share the sync calls' connection (locks: their owner). */
  static viaLink = false;

  constructor(buffer: SharedArrayBuffer, id: number, typeid: string, exposed: readonly string[]) {
    // Enumerable own fields: structured clone keeps them, and revive() finds the kind.
    for (const [k, v] of [
      [KIND_PROPERTY, PROXY_KIND],
      ['buffer', buffer],
      ['byteOffset', 0],
      ['id', id],
      ['typeid', typeid],
      ['exposed', exposed],
    ] as const) {
      Object.defineProperty(this, k, { value: v, enumerable: true });
    }
    finalizer.register(this, { buffer, id });
  }

  /**
   * Calls `method` on the managed object (Python's `_callmethod`). `wait` is the timeout the
   * method itself waits (ms), which the client's own bound extends; 'none' for a method that
   * does not wait.
   */
  callMethod(
    method: string,
    args: readonly unknown[] = [],
    wait: number | null | undefined | 'none' = 'none',
  ): unknown {
    return channelClient(this.buffer).call(OP_CALL, this.id, method, args, deadlineOf(this.buffer, wait), () =>
      timeoutError(this, method),
    );
  }

  /**
   * callMethod without blocking the event loop. In the thread that connect()ed to a network
   * manager it goes over that thread's own connection (direct.ts: no link thread in between, calls
   * pipelined), unless the proxy's class sets `viaLink` (an owner-sensitive object: a lock's owner
   * is the connection and thread that acquired it, which the sync calls reach through the link).
   */
  callMethodAsync(
    method: string,
    args: readonly unknown[] = [],
    wait: number | null | undefined | 'none' = 'none',
  ): Promise<unknown> {
    const direct = (this.constructor as typeof BaseProxy).viaLink ? undefined : directFor(this.buffer);
    if (direct)
      return direct.call(OP_CALL, this.id, method, args, deadlineOf(this.buffer, wait), () =>
        timeoutError(this, method),
      );
    return channelClient(this.buffer).callAsync(OP_CALL, this.id, method, args, deadlineOf(this.buffer, wait), () =>
      timeoutError(this, method),
    );
  }

  [INSPECT](): string {
    return `${this.constructor.name}(${this.typeid} #${this.id})`;
  }
}

function timeoutError(p: BaseProxy, method: string): Error {
  return new TimeoutError(
    `Manager: ${p.typeid}.${method}() got no answer from the server in time (the manager's timeout)`,
  );
}

/** Python's AutoProxy: one method per exposed name, each a request to the server. */
export class AutoProxy extends BaseProxy {
  constructor(buffer: SharedArrayBuffer, id: number, typeid: string, exposed: readonly string[]) {
    super(buffer, id, typeid, exposed);
    for (const m of exposed) {
      if (m in this) continue;
      Object.defineProperty(this, m, {
        value: (...args: unknown[]) => this.callMethod(m, args, null),
        enumerable: false,
      });
    }
  }
}

/** A proxy of the right class for `typeid`. */
export function proxyFor(
  buffer: SharedArrayBuffer,
  id: number,
  typeid: string,
  exposed: readonly string[],
  ctor?: ProxyCtor,
): BaseProxy {
  const C = ctor ?? proxyTypes.get(typeid) ?? AutoProxy;
  return new C(buffer, id, typeid, exposed);
}

registerKind(PROXY_KIND, (d) => {
  const p = d as ProxyDescriptor;
  if (
    !(p.buffer instanceof SharedArrayBuffer) ||
    !Number.isInteger(p.id) ||
    typeof p.typeid !== 'string' ||
    !Array.isArray(p.exposed)
  ) {
    throw new InvalidArgumentError(`ManagerProxy: not a proxy descriptor: ${describe(d)}`);
  }
  // The revived proxy holds its own reference, taken before anyone can use it.
  send(p.buffer, OP_INCREF, p.id, deadlineOf(p.buffer, 'none'));
  const proxy = proxyFor(p.buffer, p.id, p.typeid, p.exposed);
  // A local Manager's dict carries its shared table (shared-dict.ts).
  const table = (d as { table?: unknown }).table;
  if (table instanceof SharedArrayBuffer) (proxy as { attachTable?(t: SharedArrayBuffer): void }).attachTable?.(table);
  return proxy;
});
