/**
 * BaseManager's options and register()'s registry (base-manager.ts): the option types with their
 * defaults, their checks, and the per-class table of registered types (Python keeps it on the class
 * as `_registry`; here a WeakMap keyed by the class, so a subclass sees its parents' types and
 * adds its own without touching theirs).
 */
import type tls from 'node:tls';
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';
import type { TaskRef } from '../tasks/inline.js';
import type { BaseProxy } from './proxy-base.js';

/** Default ms for a server thread to start or a connection to open (ManagerStartError after). */
export const DEFAULT_START_TIMEOUT_MS = 10_000;
/** Default ms a request may wait for its answer beyond its own timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** Where a manager's server listens or is: `[host, port]` or `{ host, port }` (port 0: any free one). */
export type Address = readonly [host: string, port: number] | { readonly host?: string; readonly port?: number };

/** `new BaseManager(options)` (and `SyncManager`): where the server is, its key, TLS, and limits in ms and bytes. */
export interface BaseManagerOptions {
  /** [host, port] or { host, port }: where the server listens or is. Port 0 picks a free one. */
  readonly address?: Address;
  /** The shared secret (Python's authkey); default 32 random bytes. */
  readonly authkey?: string | Uint8Array;
  /** TLS: `server` options (key, cert) for start()/getServer(), `client` (ca...) for connect(). */
  readonly tls?: { readonly server?: tls.TlsOptions; readonly client?: tls.ConnectionOptions };
  /** Threads that may be inside a proxy call at once before others queue; default 16. */
  readonly slots?: number;
  /** Bytes of one request or answer through shared memory; default 1 MiB. */
  readonly channelBytes?: number;
  /** Largest network frame; default 16 MiB. */
  readonly maxFrameBytes?: number;
  /** ms for the server to start or the connection to open; default 10,000. */
  readonly startTimeout?: number;
  /** ms a request may wait for its answer beyond its own timeout; default 60,000; 0 = no limit. */
  readonly timeout?: number;
  /** ms a new network connection has to authenticate (server side); default 5,000. */
  readonly handshakeTimeout?: number;
  /** ms an idle network connection stays open (server side); default 0 = no limit. */
  readonly idleTimeout?: number;
}

/** register()'s options, as Python's. */
export interface RegisterOptions {
  /** Method names proxies may call; default the object's public methods. */
  readonly exposed?: readonly string[];
  /** The proxy class (extends BaseProxy); default AutoProxy. */
  readonly proxytype?: new (
    buffer: SharedArrayBuffer,
    id: number,
    typeid: string,
    exposed: readonly string[],
  ) => BaseProxy;
  /** Adds a method named `typeid` to the manager class (default true). */
  readonly createMethod?: boolean;
}

export interface Registered {
  readonly callable?: TaskRef;
  readonly options: RegisterOptions;
}

export const registries = new WeakMap<object, Map<string, Registered>>();

export function registryOf(cls: object): Map<string, Registered> {
  const all = new Map<string, Registered>();
  const chain: object[] = [];
  for (let c: object | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) chain.unshift(c);
  for (const c of chain) for (const [k, v] of registries.get(c) ?? []) all.set(k, v);
  return all;
}

export function checkMs(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new InvalidArgumentError(`Manager: ${name} must be an integer number of ms >= 0, got ${describe(v)}`);
  return v;
}

export function parseAddress(a: Address | undefined): { host: string; port: number } | undefined {
  if (a === undefined) return undefined;
  const [host, port] = Array.isArray(a) ? a : [(a as { host?: string }).host, (a as { port?: number }).port];
  const h = host ?? '127.0.0.1';
  const p = port ?? 0;
  if (typeof h !== 'string' || h === '' || !Number.isInteger(p) || p < 0 || p > 65535)
    throw new InvalidArgumentError(`Manager: address must be [host, port] with 0 <= port <= 65535, got ${describe(a)}`);
  return { host: h, port: p };
}
