/**
 * The client end of a network manager (Python's connect()): a link thread that owns one TCP or
 * TLS connection, authenticates it (auth.ts), then answers its channel (channel.ts) by forwarding
 * each request's bytes as a T_REQUEST frame and each T_RESPONSE frame's bytes back into the slot
 * that asked, untouched. Requests from several threads are in flight at once; responses find
 * their slot by request id. When the connection ends, the channel is marked SHUT_LINK_LOST, which
 * wakes every waiting client with a ManagerConnectionError.
 */
import type net from 'node:net';
import type tls from 'node:tls';
import { serializeError } from '@sabkit/atomics-sync';
import { answer, welcomeOk } from './auth.js';
import { net as loadNet, tls as loadTls } from './builtins.js';
import { SHUT_LINK_LOST, markClosed } from './channel.js';
import { serveChannel } from './channel-server.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FrameReader,
  MAX_HANDSHAKE_FRAME_BYTES,
  T_CHALLENGE,
  T_FAILURE,
  T_REQUEST,
  T_RESPONSE,
  T_WELCOME,
  frame,
  type Frame,
} from './frames.js';
import { AuthenticationError, ManagerConnectionError } from './manager-errors.js';
import { STATUS_ERROR } from './wire.js';

export interface LinkOptions {
  readonly host: string;
  readonly port: number;
  readonly authkey: Uint8Array;
  /** node:tls connect options (ca, servername...); absent: plain TCP. */
  readonly tls?: tls.ConnectionOptions;
  readonly maxFrameBytes?: number;
  /** ms to connect and authenticate. */
  readonly connectTimeout: number;
}

/** Connects and authenticates; resolves once requests may flow, rejects with a named error. */
export function openConnection(o: LinkOptions): Promise<{ socket: net.Socket; reader: FrameReader; rest: Frame[] }> {
  return new Promise((resolve, reject) => {
    const where = `${o.host}:${o.port}`;
    const socket = o.tls
      ? loadTls().connect({ ...o.tls, host: o.host, port: o.port })
      : loadNet().connect({ host: o.host, port: o.port });
    socket.setNoDelay(true);
    const reader = new FrameReader(MAX_HANDSHAKE_FRAME_BYTES);
    let expect: Buffer | null = null;
    let done = false;
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    const timer = setTimeout(
      () =>
        fail(
          new ManagerConnectionError(`Manager: no authenticated connection to ${where} within ${o.connectTimeout} ms`),
        ),
      o.connectTimeout,
    );
    socket.on('error', (e) =>
      fail(new ManagerConnectionError(`Manager: cannot connect to ${where}: ${(e as Error).message}`, { cause: e })),
    );
    socket.on('close', () =>
      fail(new ManagerConnectionError(`Manager: ${where} closed the connection during the handshake`)),
    );
    const onData = (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        fail(new ManagerConnectionError(`Manager: ${where} broke the protocol: ${(e as Error).message}`));
        return;
      }
      for (let i = 0; i < frames.length; i++) {
        const f = frames[i] as Frame;
        if (f.type === T_CHALLENGE && !expect) {
          const a = answer(o.authkey, f.payload);
          if (!a) return fail(new ManagerConnectionError(`Manager: ${where} is not a sabkit manager (bad challenge)`));
          expect = a.expect;
          socket.write(frame(2, 0, 0, a.payload));
        } else if (f.type === T_FAILURE) {
          return fail(new AuthenticationError(`Manager: ${where} refused the authkey (digest received was wrong)`));
        } else if (f.type === T_WELCOME && expect) {
          if (!welcomeOk(expect, f.payload))
            return fail(new AuthenticationError(`Manager: ${where} did not prove that it knows the authkey`));
          done = true;
          clearTimeout(timer);
          socket.removeAllListeners('data');
          socket.removeAllListeners('close');
          socket.removeAllListeners('error');
          reader.maxFrameBytes = o.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
          resolve({ socket, reader, rest: frames.slice(i + 1) });
          return;
        } else {
          return fail(new ManagerConnectionError(`Manager: ${where} sent frame type ${f.type} during the handshake`));
        }
      }
    };
    socket.on('data', onData);
  });
}

/** How long a link spins for the next request after delivering answers (ms). */
const LINK_SPIN_MS = 0.05;
/**
 * How long a link with nothing in flight then parks synchronously for the next request (ms): a
 * client that calls in a loop asks again within this, and is then served after a futex wake
 * rather than a wake of the link's event loop; a socket event waits at most this long.
 */
const LINK_PARK_MS = 2;

type Answer = (status: number, value: unknown, raw?: Uint8Array) => void;

/** Runs a link on `buffer`; `ready` is called once, with an error if the link could not open. */
export async function runLink(
  buffer: SharedArrayBuffer,
  o: LinkOptions,
  ready: (error?: unknown) => void,
): Promise<void> {
  let opened: Awaited<ReturnType<typeof openConnection>>;
  try {
    opened = await openConnection(o);
  } catch (e) {
    ready(e);
    return;
  }
  const { socket, reader } = opened;
  const pending = new Map<number, Answer>();
  let spinScan: ((ms: number, parkMs?: number) => number) | undefined;
  let nextId = 1;
  const lost = (why: string) => {
    markClosed(buffer, SHUT_LINK_LOST);
    const err = serializeError(new ManagerConnectionError(`Manager: the connection to ${o.host}:${o.port} ${why}`));
    for (const a of pending.values()) a(STATUS_ERROR, err);
    pending.clear();
    socket.destroy();
  };
  const onFrames = (frames: Frame[]) => {
    for (const f of frames) {
      const a = f.type === T_RESPONSE ? pending.get(f.requestId) : undefined;
      if (!a) return lost(`broke the protocol (frame type ${f.type}, request ${f.requestId})`);
      pending.delete(f.requestId);
      a(0, undefined, f.payload);
    }
    // The client that just got its answer usually asks again within microseconds: catch that
    // here rather than after a turn of the event loop and a parked wake-up.
    if (frames.length > 0) spinScan?.(LINK_SPIN_MS, pending.size === 0 ? LINK_PARK_MS : 0);
  };
  socket.on('data', (chunk: Buffer) => {
    try {
      onFrames(reader.push(chunk));
    } catch (e) {
      lost(`broke the protocol: ${(e as Error).message}`);
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => lost('was closed (the server died or shut down)'));
  onFrames(opened.rest);
  ready();
  await serveChannel(
    buffer,
    undefined,
    (bytes, caller, answerFn) => {
      if (socket.destroyed) {
        answerFn(STATUS_ERROR, serializeError(new ManagerConnectionError('Manager: the connection is closed')));
        return;
      }
      const id = nextId;
      nextId = nextId === 0xffffffff ? 1 : nextId + 1;
      pending.set(id, answerFn);
      socket.write(frame(T_REQUEST, id, caller, bytes));
    },
    { onStart: (fn) => (spinScan = fn) },
  );
  socket.destroy();
}
