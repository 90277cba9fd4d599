/**
 * Connection: one end of a Pipe (pipe.ts), Python's `multiprocessing.connection.Connection` on
 * shared memory. A pipe is one record ring per direction (ring.ts); each Connection reads one ring
 * and writes the other. Pipe() initialises the words drawn here; Connection reads them.
 *
 * Layout (pipeByteLength(duplex, capacity) bytes, PIPE_ALIGNMENT = 8), from the pipe's byteOffset:
 *
 *     0  Int32  MAGIC    PIPE_MAGIC, written last by Pipe(); Connection.from refuses a region
 *                        without it
 *     4  Int32  DUPLEX   1 for a duplex pipe, 0 for a one-way pipe
 *    64  ring 0: messages TO end 0 (the first Connection), written by end 1
 *         (ring header 384 + capacity)
 *   448 + capacity  ring 1: messages TO end 1, written by end 0 (duplex pipes only)
 *
 *   In each ring, FLAG_WRITE_CLOSED means "the sending end is closed" (the receiver gets EOFError
 *   once it has read everything) and FLAG_READ_CLOSED "the receiving end is closed" (a send fails at
 *   once: Python's BrokenPipeError, ClosedError here). A Connection's own `closed` is the flag its
 *   close() sets, so every thread holding that end sees it closed.
 *
 * A Connection travels as { __sabkit: "Connection", buffer, byteOffset, end } and comes alive in a
 * worker with `Connection.from(clone)` or `revive`.
 *
 * One end used by several threads at once: Python does not support it (bytes of two messages may
 * interleave in the OS pipe). Here each direction's senders and its receivers are serialised by the
 * ring's two robust locks, i.e. the compare-exchange a detector would need anyway, so it is safe:
 * concurrent senders' messages arrive whole, in the order their sends took the lock. The ring is
 * single-producer/single-consumer inside those locks (Lamport), so the uncontended cost is one
 * compare-exchange to take and one to release each side.
 *
 * Differences from Python, deliberate: recvBytes(maxLength) and recvBytesInto(buffer) check the
 * length before reading, so a message that is too long stays unread (PayloadTooLargeError says its
 * length) instead of Python's OSError that leaves the connection unusable or BufferTooShort that
 * carries the consumed message. recv() of a message sent with sendBytes returns its bytes (a
 * Uint8Array); recvBytes() of a message sent with send() returns its codec.ts encoding.
 *
 * Layout: docs/layouts/pipe.md
 */
import {
  ClosedError,
  EOFError,
  InvalidArgumentError,
  PayloadTooLargeError,
  ReviveError,
  TimeoutError,
  describe,
} from '../errors.js';
import {
  FLAG_READ_CLOSED,
  FLAG_WRITE_CLOSED,
  R_DONE,
  R_ENDED,
  R_TIMEOUT,
  R_TOO_LARGE,
  RING_HEADER_BYTES,
  RecordRing,
  SINK_BYTES,
  SINK_INTO,
  SINK_PEEK,
  SINK_VALUE,
  type Sink,
  W_DONE,
  W_TIMEOUT,
  W_WRITE_CLOSED,
  newSink,
} from './ring.js';
import {
  readAsync,
  readSync,
  syncValueSink,
  writeBytesAsync,
  writeBytesSync,
  writeValueAsync,
  writeValueSync,
} from './ring-ops.js';
import { bytesRange, intoSink, maxLengthOf } from './connection-args.js';
import { type WaitArg, syncDeadline, timeoutOf, waitArgs } from '../runtime/wait.js';
import {
  type SharedDescriptor,
  attachNew,
  checkRegion,
  defineShared,
  expectDescriptor,
  registerKind,
} from '../runtime/shared.js';

export const PIPE_HEADER_BYTES = 64;
export const PIPE_ALIGNMENT = 8;
export const P_MAGIC = 0;
export const P_DUPLEX = 1;
export const PIPE_MAGIC = 0x50495045; // "PIPE"

const KIND = 'Connection';

/** A serialised Connection (what structured clone makes of one). */
export interface ConnectionDescriptor extends SharedDescriptor {
  readonly __sabkit: 'Connection';
  readonly end: 0 | 1;
}

/** Passed by Pipe() and Connection.from as the constructor's hidden last argument. */
export const CONNECTION_ATTACH = Symbol('Connection: attach');
/** Which end of which pipe a Connection is. */
type End = { readonly buffer: SharedArrayBuffer; readonly byteOffset: number; readonly end: 0 | 1 };

/** One end of a Pipe: Python's `multiprocessing.connection.Connection`. */
export class Connection {
  declare readonly __sabkit: 'Connection';
  declare readonly buffer: SharedArrayBuffer;
  declare readonly byteOffset: number;
  /** Which end of its pipe this is: 0 for the first Connection Pipe() returned, 1 for the second. */
  declare readonly end: 0 | 1;
  readonly #in: RecordRing | undefined;
  readonly #out: RecordRing | undefined;

  /** Not for direct use: make connections with Pipe(), attach to a clone with Connection.from(). */
  constructor();
  constructor(a?: End, attach?: symbol) {
    if (attach !== CONNECTION_ATTACH || !a)
      throw new InvalidArgumentError(
        'Connection: make connections with Pipe(), or attach to a cloned one with Connection.from(value)',
      );
    defineShared(this, KIND, a.buffer, a.byteOffset);
    Object.defineProperty(this, 'end', { value: a.end, enumerable: true });
    const duplex = Atomics.load(new Int32Array(a.buffer, a.byteOffset, 2), P_DUPLEX) === 1;
    const ring0 = new RecordRing(KIND, a.buffer, a.byteOffset + PIPE_HEADER_BYTES);
    const ring1 = duplex
      ? new RecordRing(KIND, a.buffer, a.byteOffset + PIPE_HEADER_BYTES + RING_HEADER_BYTES + ring0.capacity)
      : undefined;
    this.#in = a.end === 0 ? ring0 : ring1;
    this.#out = a.end === 0 ? ring1 : ring0;
  }

  /** Attaches to a Connection (its structured clone, or a live one). */
  static from(value: unknown): Connection {
    const d = expectDescriptor<ConnectionDescriptor>(value, KIND);
    if (d.end !== 0 && d.end !== 1)
      throw new ReviveError(`Connection.from(value): value.end must be 0 or 1, got ${describe(d.end)}`);
    checkRegion(KIND, d.buffer, d.byteOffset, PIPE_HEADER_BYTES + RING_HEADER_BYTES, PIPE_ALIGNMENT);
    const magic = Atomics.load(new Int32Array(d.buffer, d.byteOffset, 1), P_MAGIC);
    if (magic !== PIPE_MAGIC)
      throw new ReviveError(
        `Connection.from(value): there is no pipe at byteOffset ${d.byteOffset} (magic word ${magic})`,
      );
    return attachNew(Connection, { buffer: d.buffer, byteOffset: d.byteOffset, end: d.end }, CONNECTION_ATTACH);
  }

  /** Whether this end can receive (false for the send-only end of a one-way pipe). */
  get readable(): boolean {
    return this.#in !== undefined;
  }

  /** Whether this end can send (false for the receive-only end of a one-way pipe). */
  get writable(): boolean {
    return this.#out !== undefined;
  }

  /** True once close() was called on this end (by any thread holding it). */
  get closed(): boolean {
    return this.#in
      ? (Atomics.load(this.#in.i32, this.#in.flags) & FLAG_READ_CLOSED) !== 0
      : (Atomics.load(this.#out!.i32, this.#out!.flags) & FLAG_WRITE_CLOSED) !== 0;
  }

  /**
   * Closes this end: the other end receives what was sent, then EOFError; its sends fail with
   * ClosedError. Idempotent. A send or receive already in progress finishes.
   */
  close(): void {
    this.#in?.setFlags(FLAG_READ_CLOSED);
    this.#out?.setFlags(FLAG_WRITE_CLOSED);
  }

  /**
   * Sends a structured-cloneable value, waiting while the other end's ring is full: at most
   * `timeout` ms if given (an extension: Python's send has none), then TimeoutError, nothing sent.
   */
  send(obj: unknown, timeout?: number | null): void {
    const out = this.#sender('send');
    const deadline = syncDeadline(timeout, 'Connection.send', 'python');
    this.#sent(writeValueSync(out, obj, deadline, 'Connection.send'), 'send', timeout);
  }

  /** `send` without blocking the thread; `wait`: send's timeout or `{ timeout, signal }` (abort: nothing sent). */
  async sendAsync(obj: unknown, wait?: WaitArg): Promise<void> {
    const out = this.#sender('sendAsync');
    const [deadline, signal] = waitArgs(wait, 'Connection.sendAsync');
    this.#sent(await writeValueAsync(out, obj, deadline, signal, 'Connection.sendAsync'), 'sendAsync', timeoutOf(wait));
  }

  /**
   * Sends bytes [offset, offset + size) of `buf` (ArrayBuffer, SharedArrayBuffer or any view;
   * offset and size in bytes, as Python's send_bytes) as one message; `timeout` as in send.
   */
  sendBytes(buf: ArrayBufferLike | ArrayBufferView, offset?: number, size?: number, timeout?: number | null): void {
    const out = this.#sender('sendBytes');
    const [u8, off, n] = bytesRange(buf, offset, size, 'sendBytes');
    const deadline = syncDeadline(timeout, 'Connection.sendBytes', 'python');
    this.#sent(writeBytesSync(out, u8, off, n, deadline, 'Connection.sendBytes'), 'sendBytes', timeout);
  }

  async sendBytesAsync(
    buf: ArrayBufferLike | ArrayBufferView,
    offset?: number,
    size?: number,
    wait?: WaitArg,
  ): Promise<void> {
    const out = this.#sender('sendBytesAsync');
    const [u8, off, n] = bytesRange(buf, offset, size, 'sendBytesAsync');
    const [deadline, signal] = waitArgs(wait, 'Connection.sendBytesAsync');
    this.#sent(await writeBytesAsync(out, u8, off, n, deadline, signal), 'sendBytesAsync', timeoutOf(wait));
  }

  /**
   * Receives the next value, waiting for one (at most `timeout` ms if given, an extension: then
   * TimeoutError). EOFError once the other end is closed and nothing is left.
   */
  recv(timeout?: number | null): unknown {
    const inn = this.#receiver('recv');
    const deadline = syncDeadline(timeout, 'Connection.recv', 'python');
    const sink = syncValueSink();
    return this.#received(readSync(inn, sink, deadline, 'Connection.recv'), sink, 'recv', timeout);
  }

  async recvAsync(wait?: WaitArg): Promise<unknown> {
    const inn = this.#receiver('recvAsync');
    const [deadline, signal] = waitArgs(wait, 'Connection.recvAsync');
    const sink = newSink(SINK_VALUE);
    return this.#received(
      await readAsync(inn, sink, deadline, signal, 'Connection.recvAsync'),
      sink,
      'recvAsync',
      timeoutOf(wait),
    );
  }

  /**
   * Receives the next message's bytes as a new Uint8Array. With maxLength, a longer message throws
   * PayloadTooLargeError and stays unread. `timeout` as in recv.
   */
  recvBytes(maxLength?: number | null, timeout?: number | null): Uint8Array {
    const inn = this.#receiver('recvBytes');
    const sink = newSink(SINK_BYTES, maxLengthOf(maxLength, 'recvBytes'));
    const deadline = syncDeadline(timeout, 'Connection.recvBytes', 'python');
    return this.#received(
      readSync(inn, sink, deadline, 'Connection.recvBytes'),
      sink,
      'recvBytes',
      timeout,
    ) as Uint8Array;
  }

  async recvBytesAsync(maxLength?: number | null, wait?: WaitArg): Promise<Uint8Array> {
    const inn = this.#receiver('recvBytesAsync');
    const sink = newSink(SINK_BYTES, maxLengthOf(maxLength, 'recvBytesAsync'));
    const [deadline, signal] = waitArgs(wait, 'Connection.recvBytesAsync');
    return this.#received(
      await readAsync(inn, sink, deadline, signal),
      sink,
      'recvBytesAsync',
      timeoutOf(wait),
    ) as Uint8Array;
  }

  /**
   * Receives the next message's bytes into `buffer` from byte `offset`, returning their number. A
   * message that does not fit throws PayloadTooLargeError and stays unread. `timeout` as in recv.
   */
  recvBytesInto(buffer: ArrayBufferLike | ArrayBufferView, offset?: number, timeout?: number | null): number {
    const inn = this.#receiver('recvBytesInto');
    const sink = intoSink(buffer, offset, 'recvBytesInto');
    const deadline = syncDeadline(timeout, 'Connection.recvBytesInto', 'python');
    return this.#received(
      readSync(inn, sink, deadline, 'Connection.recvBytesInto'),
      sink,
      'recvBytesInto',
      timeout,
    ) as number;
  }

  async recvBytesIntoAsync(
    buffer: ArrayBufferLike | ArrayBufferView,
    offset?: number,
    wait?: WaitArg,
  ): Promise<number> {
    const inn = this.#receiver('recvBytesIntoAsync');
    const sink = intoSink(buffer, offset, 'recvBytesIntoAsync');
    const [deadline, signal] = waitArgs(wait, 'Connection.recvBytesIntoAsync');
    return this.#received(
      await readAsync(inn, sink, deadline, signal),
      sink,
      'recvBytesIntoAsync',
      timeoutOf(wait),
    ) as number;
  }

  /**
   * Python's poll([timeout]): whether a message (or the end of the stream) can be received. No
   * timeout (undefined): answers at once; a number: waits up to that many ms (0 or negative: not
   * at all); null or Infinity: waits as long as it takes. True at EOF too (recv then throws
   * EOFError), as in Python.
   */
  poll(timeout?: number | null): boolean {
    const inn = this.#receiver('poll');
    const deadline = syncDeadline(timeout === undefined ? 0 : timeout, 'Connection.poll', 'python');
    return this.#polled(readSync(inn, newSink(SINK_PEEK), deadline, 'Connection.poll'));
  }

  /**
   * `poll` without blocking the thread; `wait`: poll's timeout or `{ timeout, signal }`. As in
   * poll(), an omitted timeout (also `{ signal }` alone) answers at once; null waits without limit.
   */
  async pollAsync(wait?: WaitArg): Promise<boolean> {
    const inn = this.#receiver('pollAsync');
    const [deadline, signal] = waitArgs(wait, 'Connection.pollAsync', 'python', 0);
    return this.#polled(await readAsync(inn, newSink(SINK_PEEK), deadline, signal));
  }

  #sender(op: string): RecordRing {
    const out = this.#out;
    if (!out)
      throw new ClosedError(
        `Connection.${op}: this end is receive-only (Pipe(false) returns [receive-only, send-only])`,
      );
    if (Atomics.load(out.i32, out.flags) & FLAG_WRITE_CLOSED)
      throw new ClosedError(`Connection.${op}: this connection is closed`);
    return out;
  }

  #receiver(op: string): RecordRing {
    const inn = this.#in;
    if (!inn)
      throw new ClosedError(`Connection.${op}: this end is send-only (Pipe(false) returns [receive-only, send-only])`);
    if (Atomics.load(inn.i32, inn.flags) & FLAG_READ_CLOSED)
      throw new ClosedError(`Connection.${op}: this connection is closed`);
    return inn;
  }

  #sent(st: number, op: string, timeout: number | null | undefined): void {
    if (st === W_DONE) return;
    if (st === W_TIMEOUT)
      throw new TimeoutError(
        `Connection.${op}: the other end's ring had no room for the message for ${timeout} ms; nothing was sent`,
      );
    if (st === W_WRITE_CLOSED) throw new ClosedError(`Connection.${op}: this connection is closed`);
    throw new ClosedError(`Connection.${op}: the other end is closed (broken pipe)`);
  }

  #received(st: number, sink: Sink, op: string, timeout: number | null | undefined): unknown {
    if (st === R_DONE) return sink.value;
    if (st === R_TIMEOUT) throw new TimeoutError(`Connection.${op}: no message arrived within ${timeout} ms`);
    if (st === R_ENDED) throw new EOFError(`Connection.${op}: the other end is closed and nothing is left to receive`);
    if (st === R_TOO_LARGE) {
      const room =
        sink.mode === SINK_INTO
          ? `${sink.target!.byteLength - sink.targetOffset} bytes of room at offset ${sink.targetOffset}`
          : `maxLength ${sink.maxLength}`;
      throw new PayloadTooLargeError(
        `Connection.${op}: the next message is ${sink.needed} bytes, more than ${room}; it was left unread`,
      );
    }
    throw new ClosedError(`Connection.${op}: this connection is closed`);
  }

  #polled(st: number): boolean {
    if (st === R_DONE || st === R_ENDED) return true;
    if (st === R_TIMEOUT) return false;
    throw new ClosedError('Connection.poll: this connection is closed');
  }
}

registerKind(KIND, (d) => Connection.from(d));
