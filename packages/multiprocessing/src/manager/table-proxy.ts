/**
 * A proxy that may be served from a shared table (shared-dict.ts) instead of the server: a local
 * Manager's dict and Namespace. Attached once (attachTable), the table travels with the proxy to
 * workers (its `table` field survives structured clone) and every call, by any thread, reads or
 * writes it under its lock; the server keeps only the object's place (id, references).
 */
import { canBlock } from '@sabkit/atomics-sync';
import * as Channel from './channel.js';
import { channelClient } from './channel-client.js';
import { NotExposedError } from './manager-errors.js';
import { BaseProxy } from './proxy-base.js';
import { callShared } from './shared-dict-calls.js';
import { sharedDict, type SharedDict } from './shared-dict.js';
import { withoutBlocking } from './table-page.js';
// Local copies: in the CommonJS build an imported binding is a getter on every use (hot loops).
const { SHUTDOWN, SHUT_OPEN } = Channel;
const CAN_BLOCK = canBlock;

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

  /**
   * The shared table, if any, once the manager is known to be open (else its error is thrown).
   * None on a browser's page: its sync forms go the server's way, which refuses them naming the
   * …Async form; the async forms use the table without blocking (callMethodAsync).
   */
  protected local(): SharedDict | undefined {
    const t = this.#t;
    if (t === undefined || !CAN_BLOCK) return undefined;
    this.#open();
    return t;
  }

  #open(): void {
    if (Atomics.load(this.#ch as Int32Array, SHUTDOWN) !== SHUT_OPEN) channelClient(this.buffer).check(0);
  }

  /** `method` served from table `t` in this thread, with the server's answers and errors. */
  #serve(t: SharedDict, method: string, args: readonly unknown[]): unknown {
    if (!this.exposed.includes(method))
      throw new NotExposedError(`Manager: a managed ${this.typeid} exposes no method ${JSON.stringify(method)}`);
    const v = callShared(t, method, args);
    // Python's Namespace copy is an object of attributes, a dict's a Map.
    return method === 'copy' && this.typeid === 'Namespace' ? Object.fromEntries(v as Map<string, unknown>) : v;
  }

  override callMethod(
    method: string,
    args: readonly unknown[] = [],
    wait: number | null | undefined | 'none' = 'none',
  ): unknown {
    const t = this.local();
    if (t === undefined) return super.callMethod(method, args, wait);
    return this.#serve(t, method, args);
  }

  override callMethodAsync(
    method: string,
    args: readonly unknown[] = [],
    wait: number | null | undefined | 'none' = 'none',
  ): Promise<unknown> {
    const t = this.#t;
    if (t === undefined) return super.callMethodAsync(method, args, wait);
    if (!CAN_BLOCK) return this.#serveAsync(t, method, args);
    try {
      return Promise.resolve(this.callMethod(method, args, wait));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** A browser's page: the table's lock waited for with Atomics.waitAsync (table-page.ts). */
  async #serveAsync(t: SharedDict, method: string, args: readonly unknown[]): Promise<unknown> {
    this.#open();
    // update() is one lock per key: on a page each is retried on its own, never re-applied.
    const ops =
      method === 'update' && this.exposed.includes(method)
        ? [...(args[0] as Iterable<readonly [unknown, unknown]>)].map((kv) => () => this.#serve(t, 'set', kv))
        : [() => this.#serve(t, method, args)];
    return withoutBlocking(t.buffer, ops);
  }
}
