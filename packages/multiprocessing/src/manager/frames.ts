/**
 * Network frames of the manager protocol (docs/manager-protocol.md): a u32 LE length, then
 * FRAME_HEADER_BYTES of header (type, flags, reserved, request id, caller), then the payload.
 * The reader refuses a frame longer than its limit as soon as the length is read, before
 * buffering it, so a peer cannot make the server hold more than one maximal frame per connection.
 */
import { InvalidArgumentError } from '@sabkit/atomics-sync';

export const FRAME_PREFIX_BYTES = 4;
export const FRAME_HEADER_BYTES = 12;
export const T_CHALLENGE = 1;
export const T_ANSWER = 2;
export const T_WELCOME = 3;
export const T_FAILURE = 4;
export const T_REQUEST = 5;
export const T_RESPONSE = 6;
/** Largest frame before authentication (the handshake's frames are 44 to 76 bytes long). */
export const MAX_HANDSHAKE_FRAME_BYTES = 256;
/** Default largest frame after authentication: 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 << 20;

export interface Frame {
  readonly type: number;
  readonly requestId: number;
  readonly caller: number;
  readonly payload: Buffer;
}

/** One frame's bytes. */
export function frame(type: number, requestId: number, caller: number, payload: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES + payload.length);
  b.writeUInt32LE(FRAME_HEADER_BYTES + payload.length, 0);
  b.writeUInt32LE(type, 4); // type byte, then flags and reserved, all zero
  b.writeUInt32LE(requestId >>> 0, 8);
  b.writeUInt32LE(caller >>> 0, 12);
  b.set(payload, 16);
  return b;
}

/** Splits a byte stream into frames; throws InvalidArgumentError on a malformed or oversized one. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);
  maxFrameBytes: number;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Frames completed by `chunk`, in order. */
  push(chunk: Buffer): Frame[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: Frame[] = [];
    let at = 0;
    while (this.#buf.length - at >= FRAME_PREFIX_BYTES) {
      const len = this.#buf.readUInt32LE(at);
      if (len < FRAME_HEADER_BYTES)
        throw new InvalidArgumentError(`Manager protocol: a frame of ${len} bytes is shorter than its header`);
      if (len > this.maxFrameBytes)
        throw new InvalidArgumentError(
          `Manager protocol: a frame of ${len} bytes exceeds the limit of ${this.maxFrameBytes}`,
        );
      if (this.#buf.length - at < FRAME_PREFIX_BYTES + len) break;
      const h = at + FRAME_PREFIX_BYTES;
      const type = this.#buf[h] as number;
      if (type < T_CHALLENGE || type > T_RESPONSE || this.#buf[h + 1] !== 0 || this.#buf.readUInt16LE(h + 2) !== 0)
        throw new InvalidArgumentError(
          `Manager protocol: a frame with type ${type} and nonzero or unknown header bits`,
        );
      out.push({
        type,
        requestId: this.#buf.readUInt32LE(h + 4),
        caller: this.#buf.readUInt32LE(h + 8),
        payload: this.#buf.subarray(h + FRAME_HEADER_BYTES, h + len),
      });
      at = h + len;
    }
    // Keep the unread tail only (frames handed out keep views of the old buffer; they are copied
    // or decoded before the next push).
    this.#buf = at === this.#buf.length ? Buffer.alloc(0) : Buffer.from(this.#buf.subarray(at));
    return out;
  }
}
