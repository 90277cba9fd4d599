/**
 * The async remote path: a connection to a network manager's server owned by the calling thread's
 * event loop, used by the `…Async` methods of that thread's proxies. A synchronous proxy call
 * cannot use a socket (Node has no blocking sockets), so it crosses a link thread (link.ts): client
 * -> link -> server -> link -> client, four thread hand-offs. An async call here crosses two,
 * as Python's blocking socket does: this event loop writes the frame, the server answers, this
 * event loop reads it. Several calls may be in flight on the connection at once (pipelining, as the
 * protocol allows: responses carry their request id and may come in any order); the requests of
 * one turn of the event loop leave in one write.
 *
 * A request that gets no answer by its deadline rejects with the caller's timeout error (its late
 * answer is dropped); a connection that closes or breaks the protocol rejects every pending call
 * with ManagerConnectionError at once, and later calls go through the link again. Requests carry
 * the same payload as the link's (wire.ts), so the server cannot tell the paths apart, except that
 * this connection holds no references: objects are created and counted through the link.
 */
import type net from 'node:net';
import { threadId } from 'node:worker_threads';
import { ClosedError, deserializeError } from '@sabkit/atomics-sync';
import { FRAME_HEADER_BYTES, FRAME_PREFIX_BYTES, T_REQUEST, T_RESPONSE, type FrameReader } from './frames.js';
import { openConnection, type LinkOptions } from './link.js';
import { directFor, setDirect, type DirectCaller } from './direct-registry.js';
import { ManagerConnectionError } from './manager-errors.js';
import * as Wire from './wire.js';
// Local copies: in the CommonJS build an imported binding is a getter on every use (hot loops).
const { STATUS_OK, decodeResponse, encodeRequest, tooLarge, writeU32 } = Wire;

/** How often pending calls are checked against their deadlines (ms). */
const SWEEP_MS = 100;
/** Bytes of the scratch a request is encoded into first (a larger one gets its own buffer). */
const SCRATCH_BYTES = 64 * 1024;
const HEAD = FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES;

interface Pending {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  readonly deadline: number;
  readonly onTimeout: (() => Error) | undefined;
}

export class DirectConnection implements DirectCaller {
  readonly #socket: net.Socket;
  readonly #reader: FrameReader;
  readonly #where: string;
  readonly #maxFrame: number;
  readonly #pending = new Map<number, Pending>();
  /** Ids of calls that timed out: their answers, if they come, are dropped. */
  readonly #late = new Set<number>();
  readonly #buffer: SharedArrayBuffer;
  #scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  #out: Buffer[] = [];
  #nextId = 1;
  #closed: Error | undefined;
  readonly #sweep: NodeJS.Timeout;

  private constructor(buffer: SharedArrayBuffer, socket: net.Socket, reader: FrameReader, o: LinkOptions) {
    this.#buffer = buffer;
    this.#socket = socket;
    this.#reader = reader;
    this.#where = `${o.host}:${o.port}`;
    this.#maxFrame = reader.maxFrameBytes;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => this.#fail(this.#lost('was closed (the server died or shut down)')));
    socket.unref(); // referenced only while a call is pending (an idle manager does not keep a process up)
    this.#sweep = setInterval(() => this.#expire(), SWEEP_MS);
    this.#sweep.unref();
  }

  /** Opens and authenticates a connection for `buffer`'s manager in this thread. */
  static async open(buffer: SharedArrayBuffer, o: LinkOptions): Promise<DirectConnection> {
    const { socket, reader, rest } = await openConnection(o);
    if (rest.length > 0) {
      socket.destroy();
      throw new ManagerConnectionError(`Manager: ${o.host}:${o.port} sent a frame before any request`);
    }
    const d = new DirectConnection(buffer, socket, reader, o);
    setDirect(buffer, d);
    return d;
  }

  /** Calls in flight. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  #lost(why: string): ManagerConnectionError {
    return new ManagerConnectionError(`Manager: the connection to ${this.#where} ${why}`);
  }

  /** One request; resolves with the answer, rejects with the server's error or the connection's. */
  call(
    op: number,
    id: number,
    name: string,
    args: readonly unknown[],
    deadline = Infinity,
    onTimeout?: () => Error,
  ): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closed);
    let buf = this.#scratch;
    let n: number;
    try {
      n = encodeRequest(op, id, name, args, buf, HEAD, buf.length - HEAD);
      if (n < 0 && HEAD - n <= this.#maxFrame + FRAME_PREFIX_BYTES) {
        buf = Buffer.allocUnsafe(HEAD - n);
        n = encodeRequest(op, id, name, args, buf, HEAD, buf.length - HEAD);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    if (n < 0 || FRAME_HEADER_BYTES + n > this.#maxFrame)
      return Promise.reject(tooLarge('request', Math.abs(n), this.#maxFrame - FRAME_HEADER_BYTES));
    const rid = this.#nextId;
    this.#nextId = rid === 0xffffffff ? 1 : rid + 1;
    writeU32(buf, 0, FRAME_HEADER_BYTES + n);
    writeU32(buf, 4, T_REQUEST); // type byte, then flags and reserved, all zero
    writeU32(buf, 8, rid);
    writeU32(buf, 12, threadId);
    // The scratch is reused by the next call: the frame leaves as a copy.
    this.#out.push(buf === this.#scratch ? Buffer.from(buf.subarray(0, HEAD + n)) : buf);
    if (this.#out.length === 1) queueMicrotask(() => this.#flush());
    if (this.#pending.size === 0) this.#socket.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(rid, { resolve, reject, deadline, onTimeout });
    });
  }

  /** Every request of this turn in one write (one syscall, one TCP segment when they fit). */
  #flush(): void {
    const out = this.#out;
    this.#out = [];
    if (this.#closed || out.length === 0) return;
    this.#socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  }

  #onData(chunk: Buffer): void {
    let frames: ReturnType<FrameReader['push']>;
    try {
      frames = this.#reader.push(chunk);
    } catch (e) {
      this.#fail(this.#lost(`broke the protocol: ${(e as Error).message}`));
      return;
    }
    for (const f of frames) {
      const p = f.type === T_RESPONSE ? this.#pending.get(f.requestId) : undefined;
      if (!p) {
        if (f.type === T_RESPONSE && this.#late.delete(f.requestId)) continue;
        this.#fail(this.#lost(`broke the protocol (frame type ${f.type}, request ${f.requestId})`));
        return;
      }
      this.#pending.delete(f.requestId);
      let status: number;
      let value: unknown;
      try {
        [status, value] = decodeResponse(f.payload, 0, f.payload.length);
      } catch (e) {
        p.reject(e);
        continue;
      }
      if (status === STATUS_OK) p.resolve(value);
      else p.reject(deserializeError(value));
    }
    if (this.#pending.size === 0 && !this.#closed) this.#socket.unref();
  }

  #expire(): void {
    if (this.#pending.size === 0) return;
    const now = performance.now();
    for (const [rid, p] of this.#pending) {
      if (now < p.deadline) continue;
      this.#pending.delete(rid);
      this.#late.add(rid);
      p.reject(p.onTimeout ? p.onTimeout() : this.#lost('gave no answer in time'));
    }
    if (this.#pending.size === 0) this.#socket.unref();
  }

  /** Rejects every pending call with `e`; later calls go through the link again. */
  #fail(e: Error): void {
    if (!this.#closed) this.#closed = e;
    if (directFor(this.#buffer) === this) setDirect(this.#buffer, undefined);
    clearInterval(this.#sweep);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#out = [];
    this.#socket.destroy();
    for (const p of pending) p.reject(this.#closed);
  }

  /** Closes the connection (the manager's shutdown()): pending calls reject with ClosedError. */
  close(): void {
    this.#fail(new ClosedError('Manager: the manager has been shut down'));
  }
}
