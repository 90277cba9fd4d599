/**
 * The manager's network side (Python's managers.Server over a socket): TCP, or TLS when given
 * certificates, on 127.0.0.1 unless another host is named. A connection is served only after the
 * mutual challenge (auth.ts) succeeds within `handshakeTimeout`; a malformed, truncated or
 * oversized frame, a request that does not decode, or a silent connection past `idleTimeout`
 * closes that connection alone (its references are dropped, the server serves the others).
 * Requests on one connection may be answered out of order (a blocked acquire does not hold up a
 * get): the response carries the request's id.
 */
import type net from 'node:net';
import type tls from 'node:tls';
import { serializeError } from '@sabkit/atomics-sync';
import { challenge, verify } from './auth.js';
import { net as loadNet, tls as loadTls } from './builtins.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_PREFIX_BYTES,
  FrameReader,
  MAX_HANDSHAKE_FRAME_BYTES,
  T_ANSWER,
  T_CHALLENGE,
  T_FAILURE,
  T_REQUEST,
  T_RESPONSE,
  T_WELCOME,
  frame,
  type Frame,
} from './frames.js';
import type { ObjectServer } from './object-server.js';
import { STATUS_ERROR, STATUS_OK, decodeRequest, encodeResponse, tooLarge, writeU32 } from './wire.js';

export interface NetServerOptions {
  readonly host: string;
  readonly port: number;
  readonly authkey: Uint8Array;
  /** node:tls server options (key, cert, ca, requestCert...); absent: plain TCP. */
  readonly tls?: tls.TlsOptions;
  readonly maxFrameBytes?: number;
  /** ms a new connection has to authenticate; default 5000. */
  readonly handshakeTimeout?: number;
  /** ms an authenticated connection may stay silent with nothing pending; 0 (default) = no limit. */
  readonly idleTimeout?: number;
}

const DEFAULT_HANDSHAKE_MS = 5000;
const HEAD = FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES;
/** Where answers are encoded before they are sent (one per thread: encoding is synchronous). */
const scratch = Buffer.allocUnsafe(64 * 1024);

export class NetServer {
  readonly #objects: ObjectServer;
  readonly #opts: NetServerOptions;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #nextConn = 1;
  /** Connections closed for breaking the protocol or failing authentication (for tests and logs). */
  rejected = 0;

  constructor(objects: ObjectServer, opts: NetServerOptions) {
    this.#objects = objects;
    this.#opts = opts;
    const onConn = (s: net.Socket) => this.#accept(s);
    this.#server = opts.tls ? loadTls().createServer(opts.tls, onConn) : loadNet().createServer(onConn);
    if (opts.tls) this.#server.on('tlsClientError', () => this.rejected++);
  }

  /** Listens; resolves with the address (a port of 0 picked a free one). */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#opts.port, this.#opts.host, () => {
        this.#server.off('error', reject);
        const a = this.#server.address() as net.AddressInfo;
        resolve({ host: this.#opts.host, port: a.port });
      });
    });
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    return new Promise((r) => this.#server.close(() => r()));
  }

  get connectionCount(): number {
    return this.#sockets.size;
  }

  #accept(socket: net.Socket): void {
    const conn = this.#nextConn++;
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    const reader = new FrameReader(MAX_HANDSHAKE_FRAME_BYTES);
    const ch = challenge();
    let authed = false;
    let pending = 0;
    const idleMs = this.#opts.idleTimeout ?? 0;
    const reject = () => {
      this.rejected++;
      socket.destroy();
    };
    const handshakeTimer = setTimeout(reject, this.#opts.handshakeTimeout ?? DEFAULT_HANDSHAKE_MS);
    socket.on('close', () => {
      clearTimeout(handshakeTimer);
      this.#sockets.delete(socket);
      this.#objects.dropConnection(conn);
    });
    socket.on('error', () => {}); // 'close' follows; a reset peer is not the server's problem
    if (idleMs > 0) {
      socket.setTimeout(idleMs, () => {
        if (pending === 0) socket.destroy();
      });
    }
    socket.write(frame(T_CHALLENGE, 0, 0, ch.payload));

    const respond = (f: Frame, status: number, value: unknown) => {
      if (socket.destroyed) return;
      const room = reader.maxFrameBytes - FRAME_HEADER_BYTES;
      // Encoded straight after the frame's head in a reused scratch, then sent as one small copy
      // (a pooled Buffer): no 4 KiB allocation and second copy per answer.
      let out = scratch;
      let n = encodeResponse(status, value, out, HEAD, Math.min(room, out.length - HEAD));
      if (n < 0 && -n <= room) {
        out = Buffer.allocUnsafe(HEAD - n);
        n = encodeResponse(status, value, out, HEAD, -n);
      }
      if (n < 0) {
        const err = serializeError(tooLarge('answer', -n, room));
        n = encodeResponse(STATUS_ERROR, err, out, HEAD, Math.min(room, out.length - HEAD));
      }
      writeU32(out, 0, FRAME_HEADER_BYTES + n);
      writeU32(out, 4, T_RESPONSE); // type byte, then flags and reserved, all zero
      writeU32(out, 8, f.requestId);
      writeU32(out, 12, f.caller);
      socket.write(out === scratch ? Buffer.from(out.subarray(0, HEAD + n)) : out);
    };

    const onFrame = (f: Frame) => {
      if (!authed) {
        const welcome = f.type === T_ANSWER ? verify(this.#opts.authkey, ch.nonce, f.payload) : null;
        if (!welcome) {
          socket.end(frame(T_FAILURE, 0, 0, Buffer.from('authentication failed: wrong authkey')));
          this.rejected++;
          setTimeout(() => socket.destroy(), 100).unref();
          return false;
        }
        authed = true;
        clearTimeout(handshakeTimer);
        reader.maxFrameBytes = this.#opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
        socket.write(frame(T_WELCOME, 0, 0, welcome));
        return true;
      }
      if (f.type !== T_REQUEST) {
        reject();
        return false;
      }
      let result: unknown;
      try {
        const req = decodeRequest(f.payload, 0, f.payload.length);
        try {
          result = this.#objects.handle(conn, req, f.caller);
        } catch (e) {
          respond(f, STATUS_ERROR, serializeError(e));
          return true;
        }
      } catch {
        reject(); // a request that does not decode: the peer does not speak the protocol
        return false;
      }
      if (result instanceof Promise) {
        pending++;
        result.then(
          (v) => {
            pending--;
            respond(f, STATUS_OK, v);
          },
          (e) => {
            pending--;
            respond(f, STATUS_ERROR, serializeError(e));
          },
        );
      } else respond(f, STATUS_OK, result);
      return true;
    };

    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch {
        reject();
        return;
      }
      socket.cork();
      for (const f of frames) if (!onFrame(f)) break;
      socket.uncork();
    });
  }
}
