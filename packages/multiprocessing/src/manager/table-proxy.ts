/**
 * A proxy that may be served from a shared table (shared-dict.ts) instead of the server: a local
 * Manager's dict and Namespace. Attached once (attachTable), the table travels with the proxy to
 * workers (its `table` field survives structured clone) and every call, by any thread, reads or
 * writes it under its lock; the server keeps only the object's place (id, references).
 */
import * as Channel from './channel.js';
import { channelClient } from './channel-client.js';
import { NotExposedError } from './manager-errors.js';
import { BaseProxy } from './proxy-base.js';
import { callShared } from './shared-dict-calls.js';
import { sharedDict, type SharedDict } from './shared-dict.js';
// Local copies: in the CommonJS build an imported binding is a getter on every use (hot loops).
const { SHUTDOWN, SHUT_OPEN } = Channel;

export class TableProxy extends BaseProxy {
  declare readonly table?: SharedArrayBuffer;
  #t: SharedDict | undefined;
  #ch: Int32Array | undefined;

  /** Serves this object from `table` from now on, in this thread and wherever the proxy is sent. */
  attachTable(table: SharedArrayBuffer): this {
    Object.defineProperty(this, 'table', { value: table, enumerable: true });
    this.#t = sharedDict(table);
    this.#ch = new Int32Array(this.buffer, 0, 4);
    return this;
  }

  /** The shared table, if any, once the manager is known to be open (else its error is thrown). */
  protected local(): SharedDict | undefined {
    const t = this.#t;
    if (t !== undefined && Atomics.load(this.#ch as Int32Array, SHUTDOWN) !== SHUT_OPEN)
      channelClient(this.buffer).check(0);
    return t;
  }

  override callMethod(
    method: string,
    args: readonly unknown[] = [],
    wait: number | null | undefined | 'none' = 'none',
  ): unknown {
    const t = this.local();
    if (t === undefined) return super.callMethod(method, args, wait);
    if (!this.exposed.includes(method))
      throw new NotExposedError(`Manager: a managed ${this.typeid} exposes no method ${JSON.stringify(method)}`);
    const v = callShared(t, method, args);
    // Python's Namespace copy is an object of attributes, a dict's a Map.
    return method === 'copy' && this.typeid === 'Namespace' ? Object.fromEntries(v as Map<string, unknown>) : v;
  }

  override callMethodAsync(
    method: string,
    args: readonly unknown[] = [],
    wait: number | null | undefined | 'none' = 'none',
  ): Promise<unknown> {
    if (this.#t === undefined) return super.callMethodAsync(method, args, wait);
    try {
      return Promise.resolve(this.callMethod(method, args, wait));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
