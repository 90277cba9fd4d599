/**
 * The request channel between a Manager's proxies (in any thread) and its server thread: one
 * request at a time, in a SharedArrayBuffer, so that a proxy works in whichever worker it is sent
 * to, with no port to hand over.
 *
 * Layout (ManagerChannel: Int32 words, then the client lock, then the payload):
 *
 *   word 0  STATE       STATE_IDLE 0 -> STATE_REQUEST 1 (a client wrote a request)
 *                        -> STATE_RESPONSE 2 (the server wrote the answer) -> STATE_IDLE (the
 *                        client took it)
 *   word 1  LENGTH      bytes of the payload now in DATA (request or response)
 *   word 2  SHUTDOWN    1 once the manager is shut down: clients stop waiting, the server stops
 *   word 3  SERVER_TID  the server's thread id + 1 (0 until it runs), for the liveness check
 *   bytes [LOCK_OFFSET, +Lock.BYTE_LENGTH)   a Lock that clients hold from request to answer
 *   bytes [DATA_OFFSET, byteLength)          the payload: node:v8 serialize of the message
 *
 * All-zero memory is an idle channel with no server yet. A client that dies while holding the lock
 * is taken over by the next client (the Lock is robust); a request it left half-way is finished by
 * the server, and the next client waits for and drops that answer. A server that dies is seen
 * through the liveness table within SERVER_POLL_MS and makes calls fail with ClosedError.
 *
 * Layout: docs/layouts/manager-channel.md
 */
import { serialize, deserialize } from 'node:v8';
import {
  ClosedError,
  Lock,
  OwnerDeadError,
  PayloadTooLargeError,
  deserializeError,
  isThreadDead,
  serializeError,
} from '@sabkit/atomics-sync';

export const STATE = 0;
export const LENGTH = 1;
export const SHUTDOWN = 2;
export const SERVER_TID = 3;
export const STATE_IDLE = 0;
export const STATE_REQUEST = 1;
export const STATE_RESPONSE = 2;
export const LOCK_OFFSET = 16;
export const DATA_OFFSET = 64;
/** Default channel size: 1 MiB of payload (a message is one request or one answer). */
export const DEFAULT_CHANNEL_BYTES = 1 << 20;
/** How often an idle server looks at SHUTDOWN. */
const SERVER_IDLE_CHECK_MS = 1000;
/** How often a waiting client checks that the server is still alive and not shut down. */
export const SERVER_POLL_MS = 100;
/** Loads of STATE before a client parks: a server answer usually takes a few microseconds. */
const SPIN = 2000;
/**
 * Loads of STATE before the server parks after an answer: ~50 µs, longer than a client takes to
 * use one answer and ask again, shorter than two futex wake-ups; an idle server then parks.
 */
const SERVER_SPIN = 20_000;

/** One message from a proxy to the server. */
export type Request =
  | { readonly op: 'create'; readonly typeid: string; readonly init: unknown }
  | { readonly op: 'call'; readonly id: number; readonly method: string; readonly args: readonly unknown[] };

/** The server's answer. */
export type Response = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** Client side of a channel; one per thread and buffer, shared by all proxies on it. */
export class ChannelClient {
  readonly #i32: Int32Array;
  readonly #u8: Uint8Array;
  readonly #lock: Lock;

  constructor(buffer: SharedArrayBuffer) {
    this.#i32 = new Int32Array(buffer, 0, DATA_OFFSET / 4);
    this.#u8 = new Uint8Array(buffer);
    this.#lock = Lock.from({ __sabkit: 'Lock', buffer, byteOffset: LOCK_OFFSET });
  }

  /** Sends `req` and blocks this thread until the answer (microseconds on an idle server). */
  call(req: Request): unknown {
    const bytes = serialize(req);
    const room = this.#u8.length - DATA_OFFSET;
    if (bytes.length > room) {
      throw new PayloadTooLargeError(
        `Manager: the request takes ${bytes.length} bytes, more than the channel's ${room}; create the ` +
          `Manager with a larger channelBytes`,
      );
    }
    try {
      this.#lock.acquire();
    } catch (e) {
      // A client died mid-call: we hold the lock now; let its answer arrive and drop it.
      if (!(e instanceof OwnerDeadError)) throw e;
      if (Atomics.load(this.#i32, STATE) === STATE_REQUEST) this.#awaitResponse();
      Atomics.store(this.#i32, STATE, STATE_IDLE);
    }
    let res: Response;
    try {
      this.#checkOpen();
      this.#u8.set(bytes, DATA_OFFSET);
      Atomics.store(this.#i32, LENGTH, bytes.length);
      Atomics.store(this.#i32, STATE, STATE_REQUEST);
      Atomics.notify(this.#i32, STATE);
      this.#awaitResponse();
      const len = Atomics.load(this.#i32, LENGTH);
      res = deserialize(this.#u8.subarray(DATA_OFFSET, DATA_OFFSET + len)) as Response;
      Atomics.store(this.#i32, STATE, STATE_IDLE);
    } finally {
      this.#lock.release();
    }
    if (!res.ok) throw deserializeError(res.error);
    return res.value;
  }

  #checkOpen(): void {
    if (Atomics.load(this.#i32, SHUTDOWN) !== 0) throw new ClosedError('Manager: the manager has been shut down');
    const tid = Atomics.load(this.#i32, SERVER_TID);
    if (tid !== 0 && isThreadDead(tid - 1))
      throw new ClosedError(`Manager: the manager's server thread (${tid - 1}) has exited`);
  }

  #awaitResponse(): void {
    for (let i = 0; i < SPIN; i++) if (Atomics.load(this.#i32, STATE) === STATE_RESPONSE) return;
    for (;;) {
      const s = Atomics.load(this.#i32, STATE);
      if (s === STATE_RESPONSE) return;
      this.#checkOpen();
      Atomics.wait(this.#i32, STATE, s, SERVER_POLL_MS);
    }
  }
}

const clients = new WeakMap<SharedArrayBuffer, ChannelClient>();

/** The client for `buffer` in this thread. */
export function channelClient(buffer: SharedArrayBuffer): ChannelClient {
  let c = clients.get(buffer);
  if (!c) clients.set(buffer, (c = new ChannelClient(buffer)));
  return c;
}

/** Server side: waits for requests and answers them with `handle`, until shutdown. */
export function serve(buffer: SharedArrayBuffer, serverThreadId: number, handle: (req: Request) => unknown): void {
  const i32 = new Int32Array(buffer, 0, DATA_OFFSET / 4);
  const u8 = new Uint8Array(buffer);
  Atomics.store(i32, SERVER_TID, serverThreadId + 1);
  for (;;) {
    const s = Atomics.load(i32, STATE);
    if (Atomics.load(i32, SHUTDOWN) !== 0) return;
    if (s !== STATE_REQUEST) {
      // A client that just got an answer often asks again at once: look a little before parking.
      let spins = SERVER_SPIN;
      while (spins-- > 0 && Atomics.load(i32, STATE) === s);
      // SHUTDOWN is another word than the one waited on: a shutdown that lands between the check
      // above and this wait would not wake it. The timeout bounds that window (and shutdown()
      // also stops the thread).
      if (spins < 0) Atomics.wait(i32, STATE, s, SERVER_IDLE_CHECK_MS);
      continue;
    }
    const req = deserialize(u8.subarray(DATA_OFFSET, DATA_OFFSET + Atomics.load(i32, LENGTH))) as Request;
    let res: Response;
    try {
      res = { ok: true, value: handle(req) };
    } catch (error) {
      res = { ok: false, error: serializeError(error) };
    }
    let bytes: Uint8Array;
    try {
      bytes = serialize(res);
    } catch (error) {
      bytes = serialize({ ok: false, error: serializeError(error) });
    }
    if (bytes.length > u8.length - DATA_OFFSET) {
      bytes = serialize({
        ok: false,
        error: serializeError(
          new PayloadTooLargeError(
            `Manager: the answer takes ${bytes.length} bytes, more than the channel's ` +
              `${u8.length - DATA_OFFSET}; create the Manager with a larger channelBytes`,
          ),
        ),
      });
    }
    u8.set(bytes, DATA_OFFSET);
    Atomics.store(i32, LENGTH, bytes.length);
    Atomics.store(i32, STATE, STATE_RESPONSE);
    Atomics.notify(i32, STATE);
  }
}

/** Tells clients and the server that the manager is gone. */
export function markShutdown(buffer: SharedArrayBuffer): void {
  const i32 = new Int32Array(buffer, 0, DATA_OFFSET / 4);
  Atomics.store(i32, SHUTDOWN, 1);
  Atomics.notify(i32, STATE);
}
