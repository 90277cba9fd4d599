/**
 * BaseManager: Python's multiprocessing.managers.BaseManager. A manager either starts a server
 * (start(): in its own thread, listening on `address` if given), becomes one in the calling
 * thread (getServer().serveForever(), for a standalone server script), or connects to one that
 * runs elsewhere (connect(), over TCP or TLS with the authkey). Its proxies reach the server
 * through a shared-memory channel in every case: the server's own, or a link thread's that
 * forwards over the network, so a proxy works the same in any Process or Pool task it is sent to.
 *
 *     class MyManager extends BaseManager {}
 *     MyManager.register('Counter', makeCounter);
 *     await using m = new MyManager({ address: ['127.0.0.1', 0], authkey: 'secret' });
 *     await m.start();
 *     const c = m.create('Counter', 5); // or (m as any).Counter(5)
 */
import type { Worker } from 'node:worker_threads';
import { InvalidArgumentError, canBlock, deserializeError, describe, watchWorker } from '@sabkit/atomics-sync';
import { taskSpec, type TaskRef } from '../tasks/inline.js';
import { keyBytes } from './auth.js';
import { crypto } from './builtins.js';
import {
  type BaseManagerOptions,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_START_TIMEOUT_MS,
  type RegisterOptions,
  checkMs,
  parseAddress,
  registries,
  registryOf,
} from './manager-options.js';
import {
  DEFAULT_SLOTS,
  DEFAULT_SLOT_BYTES,
  HEADER_BYTES,
  SHUT_DOWN,
  SHUT_SERVER_FAILED,
  createChannel,
  markClosed,
} from './channel.js';
import { channelClient } from './channel-client.js';
import { DirectConnection } from './direct.js';
import { DEFAULT_MAX_FRAME_BYTES } from './frames.js';
import { ManagerStartError } from './manager-errors.js';
import { explainFailure, refuseBlocking } from './page.js';
import { BUILTIN_TYPES, type TypeEntry } from './object-server.js';
import { STARTS_WHILE_BLOCKED, checkPlatform, startServerThread } from './platform.js';
import { deadlineOf, proxyFor, type BaseProxy } from './proxy-base.js';
import { Server } from './server.js';
import { OP_CREATE, OP_INFO } from './wire.js';

/**
 * Python's `multiprocessing.managers.BaseManager`: `register()` types, then `start()` a server in
 * this process, `getServer().serveForever()` in a server script, or `connect()` to one elsewhere
 * (TCP, optionally TLS, authenticated by `authkey`). Timeouts are ms (`startTimeout` default
 * 10,000; `timeout` default 60,000). A wrong key fails with `AuthenticationError`, a server that
 * does not start with `ManagerStartError`, a lost connection with `ManagerConnectionError`.
 */
export class BaseManager implements AsyncDisposable {
  readonly #opts: BaseManagerOptions;
  readonly #buffer: SharedArrayBuffer;
  readonly #authkey: Uint8Array;
  #address: { host: string; port: number } | undefined;
  #worker: Worker | undefined;
  #exited: Promise<void> | undefined;
  #server: Server | undefined;
  #direct: DirectConnection | undefined;
  #state: 'initial' | 'started' | 'shutdown' = 'initial';
  /** Why the server's thread failed, if it did ('error'): named by create() instead of a bare closed channel. */
  #failure: Error | undefined;
  /** The server's thread has said it is ready (or why not): a sync call in its creator may wait for it. */
  #announced = false;

  /**
   * Python's register(typeid, callable, exposed, proxytype): `callable` makes the object on the
   * server (a function or class; for start() an inline function or a module export, which the
   * server thread loads). Without a callable (a client that only connects) the typeid is only named.
   */
  static register(
    typeid: string,
    callable?: TaskRef | (new (...a: never[]) => unknown),
    options: RegisterOptions = {},
  ): void {
    if (typeof typeid !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(typeid))
      throw new InvalidArgumentError(`Manager.register(): typeid must be an identifier, got ${describe(typeid)}`);
    // `this` is the class register() was called on, as in Python's classmethod: a subclass's
    // registrations do not leak into its parent.
    // biome-ignore lint/complexity/noThisInStatic: the class register() is called on, not BaseManager
    const cls = this as typeof BaseManager;
    let own = registries.get(cls);
    if (!own) registries.set(cls, (own = new Map()));
    own.set(typeid, { callable: callable as TaskRef | undefined, options });
    if (options.createMethod !== false && !(typeid in cls.prototype)) {
      Object.defineProperty(cls.prototype, typeid, {
        value(this: BaseManager, ...args: unknown[]) {
          return this.create(typeid, ...args);
        },
        configurable: true,
      });
    }
  }

  constructor(options: BaseManagerOptions = {}) {
    checkPlatform(options);
    this.#opts = options;
    this.#address = parseAddress(options.address);
    this.#authkey = options.authkey === undefined ? crypto().randomBytes(32) : keyBytes(options.authkey);
    const slots = options.slots ?? DEFAULT_SLOTS;
    const bytes = options.channelBytes ?? DEFAULT_SLOT_BYTES;
    if (!Number.isInteger(slots) || slots < 1 || slots > 1024)
      throw new InvalidArgumentError(`Manager: slots must be an integer in [1, 1024], got ${describe(slots)}`);
    if (!Number.isInteger(bytes) || bytes < 1024 || bytes % 8 !== 0)
      throw new InvalidArgumentError(`Manager: channelBytes must be a multiple of 8 >= 1024, got ${describe(bytes)}`);
    this.#buffer = createChannel(
      slots,
      bytes,
      checkMs(options.startTimeout, 'startTimeout', DEFAULT_START_TIMEOUT_MS),
      checkMs(options.timeout, 'timeout', DEFAULT_REQUEST_TIMEOUT_MS),
    );
  }

  /** Where the server listens (after start() or getServer().listen()), or the address connected to. */
  get address(): { host: string; port: number } | undefined {
    return this.#address;
  }

  /** The authkey, as bytes (give it to the clients). */
  get authkey(): Uint8Array {
    return this.#authkey;
  }

  #netOptions() {
    const a = this.#address;
    if (!a) return undefined;
    return {
      host: a.host,
      port: a.port,
      authkey: this.#authkey,
      ...(this.#opts.tls?.server ? { tls: this.#opts.tls.server } : {}),
      maxFrameBytes: this.#opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      handshakeTimeout: checkMs(this.#opts.handshakeTimeout, 'handshakeTimeout', 5000),
      idleTimeout: checkMs(this.#opts.idleTimeout, 'idleTimeout', 0),
    };
  }

  #toStart(what: string): void {
    if (this.#state !== 'initial')
      throw new InvalidArgumentError(`Manager.${what}(): the manager was already ${this.#state}`);
    this.#state = 'started';
  }

  /** Starts a thread running `data` (manager-server.ts); failures there close the channel. */
  protected spawn(data: Record<string, unknown>): Worker {
    let w: Worker;
    try {
      w = startServerThread({ ...data, buffer: this.#buffer });
    } catch (e) {
      // Clients in other threads that already hold proxies stop waiting too.
      markClosed(this.#buffer, SHUT_SERVER_FAILED);
      throw new ManagerStartError(`Manager: ${(e as Error).message}`, { cause: e });
    }
    watchWorker(w);
    w.once('message', () => {
      this.#announced = true;
    });
    w.unref();
    w.on('error', (e) => {
      this.#failure ??= e as Error;
      markClosed(this.#buffer, SHUT_SERVER_FAILED);
      process.stderr.write(`Manager thread:\n${(e as Error)?.stack ?? String(e)}\n`);
    });
    this.#exited = new Promise((r) =>
      w.once('exit', () => {
        markClosed(this.#buffer, SHUT_SERVER_FAILED);
        r();
      }),
    );
    this.#worker = w;
    return w;
  }

  /** Waits for the thread's first message: ready, or the error that stopped it. */
  async #ready(w: Worker, what: string): Promise<{ host: string; port: number } | undefined> {
    // A link thread reports its own connect timeout (with the address) first; this is the backstop.
    const ms = (new Int32Array(this.#buffer, 0, HEADER_BYTES / 4)[8] as number) + (what === 'connect' ? 1000 : 0);
    let timer: NodeJS.Timeout | undefined;
    try {
      const msg = await new Promise<{ ready: boolean; address?: { host: string; port: number }; error?: unknown }>(
        (resolve, reject) => {
          timer = setTimeout(
            () => reject(new ManagerStartError(`Manager.${what}(): not ready within ${ms} ms (startTimeout)`)),
            ms,
          );
          w.once('message', resolve);
          w.once('error', (e) =>
            reject(new ManagerStartError(`Manager.${what}(): its thread failed to load: ${e.message}`, { cause: e })),
          );
          w.once('exit', () =>
            reject(new ManagerStartError(`Manager.${what}(): its thread exited before it was ready`)),
          );
        },
      );
      if (!msg.ready) throw deserializeError(msg.error);
      return msg.address;
    } catch (e) {
      await this.#stopThread();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  #types(): Array<{ typeid: string; spec: ReturnType<typeof taskSpec>; exposed?: readonly string[] }> {
    const out = [];
    for (const [typeid, r] of registryOf(this.constructor)) {
      if (r.callable === undefined) continue;
      out.push({
        typeid,
        spec: taskSpec(r.callable, `register('${typeid}') callable`),
        ...(r.options.exposed ? { exposed: r.options.exposed } : {}),
      });
    }
    return out;
  }

  /** Python's start(): the server runs in its own thread, listening on `address` if given. */
  async start(): Promise<void> {
    this.#toStart('start');
    const w = this.spawn({ role: 'server', types: this.#types(), listen: this.#netOptions() });
    const address = await this.#ready(w, 'start');
    if (address) this.#address = address;
  }

  /** Python's get_server(): a Server in this thread; `await server.serveForever()` serves. */
  getServer(): Server {
    this.#toStart('getServer');
    const types = new Map<string, TypeEntry>(BUILTIN_TYPES);
    for (const [typeid, r] of registryOf(this.constructor)) {
      if (typeof r.callable !== 'function') continue;
      types.set(typeid, {
        callable: r.callable as TypeEntry['callable'],
        ...(r.options.exposed ? { exposed: r.options.exposed } : {}),
      });
    }
    this.#server = new Server(this.#buffer, types, this.#netOptions());
    const server = this.#server;
    const listen = server.listen.bind(server);
    server.listen = async () => {
      const a = await listen();
      if (a) this.#address = a;
      return a;
    };
    return server;
  }

  /** Python's connect(): proxies of this manager reach the server at `address`. */
  async connect(): Promise<void> {
    const a = this.#address;
    if (!a || a.port === 0)
      throw new InvalidArgumentError('Manager.connect(): needs the address [host, port] of a server');
    this.#toStart('connect');
    const ms = new Int32Array(this.#buffer, 0, HEADER_BYTES / 4)[8] as number;
    const link = {
      host: a.host,
      port: a.port,
      authkey: this.#authkey,
      ...(this.#opts.tls?.client ? { tls: this.#opts.tls.client } : {}),
      maxFrameBytes: this.#opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      connectTimeout: ms,
    };
    await this.#ready(this.spawn({ role: 'link', link }), 'connect');
    // This thread's own connection, for the proxies' async calls (direct.ts).
    try {
      this.#direct = await DirectConnection.open(this.#buffer, link);
    } catch (e) {
      markClosed(this.#buffer, SHUT_DOWN);
      await this.#stopThread();
      throw e;
    }
  }

  /** A new managed object of a registered typeid, and its proxy (Python's `manager.<typeid>()`). */
  create<P extends BaseProxy = BaseProxy>(typeid: string, ...args: unknown[]): P {
    const ctor = this.#registered(typeid);
    const alt = typeof (this as unknown as Record<string, unknown>)[`${typeid}Async`] === 'function';
    const asyncForm = alt ? `${typeid}Async()` : `createAsync('${typeid}')`;
    if (!canBlock) refuseBlocking(`Manager: making a ${typeid}`, asyncForm);
    // A browser loads a nested worker's script through its parent: blocking here would starve it.
    if (!STARTS_WHILE_BLOCKED && this.#worker && !this.#announced)
      refuseBlocking(`Manager: making a ${typeid} before its server's Web Worker has started`, `${asyncForm} first`);
    try {
      const made = channelClient(this.#buffer).call(OP_CREATE, 0, typeid, args, deadlineOf(this.#buffer, 'none'));
      const [id, exposed] = made as [number, string[]];
      return proxyFor(this.#buffer, id, typeid, exposed, ctor) as P;
    } catch (e) {
      throw explainFailure(e, this.#failure);
    }
  }

  /** create() without blocking the event loop (the form for a browser's page). */
  async createAsync<P extends BaseProxy = BaseProxy>(typeid: string, ...args: unknown[]): Promise<P> {
    const ctor = this.#registered(typeid);
    try {
      const made = channelClient(this.#buffer).callAsync(OP_CREATE, 0, typeid, args, deadlineOf(this.#buffer, 'none'));
      const [id, exposed] = (await made) as [number, string[]];
      return proxyFor(this.#buffer, id, typeid, exposed, ctor) as P;
    } catch (e) {
      throw explainFailure(e, this.#failure);
    }
  }

  /** The proxy class registered for `typeid` (undefined: the default); an unknown typeid throws. */
  #registered(typeid: string): RegisterOptions['proxytype'] {
    const r = registryOf(this.constructor).get(typeid);
    if (!r && !BUILTIN_TYPES.has(typeid))
      throw new InvalidArgumentError(`Manager: typeid ${describe(typeid)} is not registered`);
    return r?.options.proxytype;
  }

  /** Objects alive on the server (Python's _number_of_objects()). */
  numberOfObjects(): number {
    const info = channelClient(this.#buffer).call(OP_INFO, 0, '', [], deadlineOf(this.#buffer, 'none'));
    return (info as { objects: number }).objects;
  }

  async numberOfObjectsAsync(): Promise<number> {
    const info = await channelClient(this.#buffer).callAsync(OP_INFO, 0, '', [], deadlineOf(this.#buffer, 'none'));
    return (info as { objects: number }).objects;
  }

  async #stopThread(): Promise<void> {
    const w = this.#worker;
    if (!w) return;
    // The thread ends by itself once SHUTDOWN is set; a wedged one is stopped after a grace period.
    const timer = setTimeout(() => void w.terminate(), 2000);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Stops the server (or the connection): proxies fail with ClosedError afterwards. */
  async shutdown(): Promise<void> {
    if (this.#state === 'shutdown') return;
    this.#state = 'shutdown';
    markClosed(this.#buffer, SHUT_DOWN);
    this.#direct?.close();
    if (this.#server) await this.#server.shutdown();
    await this.#stopThread();
  }

  /** `await using manager = ...`: shuts it down on leaving the block, as Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /** The channel, for subclasses that start their thread differently (Manager). */
  protected get channel(): SharedArrayBuffer {
    return this.#buffer;
  }
}
