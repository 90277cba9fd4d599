/**
 * Server: Python's multiprocessing.managers.Server. Owns the managed objects (object-server.ts)
 * and serves them on a shared-memory channel to proxies in this process (channel-server.ts) and,
 * when given an address, over the network (net-server.ts). It runs in a manager's server thread
 * (start(), manager-server.ts) or in the calling thread (getServer().serveForever()).
 */
import { SHUT_DOWN, markClosed } from './channel.js';
import { serveChannel } from './channel-server.js';
import { NetServer, type NetServerOptions } from './net-server.js';
import { ObjectServer, type TypeEntry } from './object-server.js';

/** A manager's server (`getServer()`): `serveForever()` serves its registered objects until `shutdown()`. */
export class Server {
  readonly objects: ObjectServer;
  readonly #buffer: SharedArrayBuffer;
  readonly #net: NetServer | undefined;
  #address: { host: string; port: number } | undefined;
  #serving: Promise<void> | undefined;
  readonly #syncPark: boolean;

  /** `ownThread`: the server has its thread to itself and may park it synchronously when idle. */
  constructor(
    buffer: SharedArrayBuffer,
    types: ReadonlyMap<string, TypeEntry>,
    listen?: NetServerOptions,
    ownThread = false,
  ) {
    this.#buffer = buffer;
    this.#syncPark = ownThread;
    this.objects = new ObjectServer(types);
    this.#net = listen ? new NetServer(this.objects, listen) : undefined;
  }

  /** The network address once listening ([host, port] in Python). */
  get address(): { host: string; port: number } | undefined {
    return this.#address;
  }

  /** Connections closed for failed authentication or broken frames. */
  get rejectedConnections(): number {
    return this.#net?.rejected ?? 0;
  }

  /** Starts listening (if it has an address) and serving; resolves once both are up. */
  async listen(): Promise<{ host: string; port: number } | undefined> {
    if (this.#net && !this.#address) this.#address = await this.#net.listen();
    this.#serving ??= serveChannel(this.#buffer, (req, caller) => this.objects.handle(0, req, caller), undefined, {
      syncPark: this.#syncPark && !this.#net,
    }).finally(() => this.#net?.close());
    return this.#address;
  }

  /** Python's serve_forever(): serves until shutdown() (from here or the manager). */
  async serveForever(): Promise<void> {
    await this.listen();
    await this.#serving;
  }

  /** Stops serving: proxies fail with ClosedError, network connections close. */
  async shutdown(): Promise<void> {
    markClosed(this.#buffer, SHUT_DOWN);
    await this.#serving;
    await this.#net?.close();
  }
}
