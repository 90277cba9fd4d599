/**
 * The manager's messages, as bytes: one format for a request in a shared-memory slot
 * (channel.ts) and in a network frame (net-server.ts, link.ts), so that a link thread forwards a
 * request to the network without decoding it. docs/manager-protocol.md specifies it for other
 * languages; the constants below are the ones that page names.
 *
 * Request payload:
 *   byte 0      op (OP_CALL, OP_CREATE, OP_INCREF, OP_DECREF, OP_INFO)
 *   byte 1      argc, 0..255
 *   bytes 2-3   name length in bytes (u16 LE): the method (OP_CALL) or the typeid (OP_CREATE)
 *   bytes 4-7   object id (u32 LE; 0 when the op has none)
 *   bytes 8..   the name, UTF-8; then argc times: u32 LE length, the argument in the codec
 * Response payload:
 *   byte 0      STATUS_OK or STATUS_ERROR
 *   bytes 1..   the value (or the error record) in the codec: atomics-sync's codec.encodeInto
 */
import { codec, InvalidArgumentError, PayloadTooLargeError } from '@sabkit/atomics-sync';

export const OP_CALL = 1;
export const OP_CREATE = 2;
export const OP_INCREF = 3;
export const OP_DECREF = 4;
export const OP_INFO = 5;
export const REQUEST_HEADER_BYTES = 8;
export const MAX_ARGS = 255;
export const STATUS_OK = 0;
export const STATUS_ERROR = 1;

/** A decoded request. */
export interface Request {
  readonly op: number;
  readonly id: number;
  readonly name: string;
  readonly args: unknown[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Local copies: in the CommonJS build a namespace member is read through a getter on every use.
const { encodeInto, encode, decode } = codec;
/** Last name decoded per length (a method name repeats call after call): reused when the bytes match. */
const nameCache: string[] = [];

function writeName(name: string, dst: Uint8Array, at: number, room: number): number {
  const n = name.length;
  let ascii = true;
  if (n <= room) {
    for (let i = 0; i < n; i++) {
      const c = name.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      dst[at + i] = c;
    }
    if (ascii) return n;
  }
  const bytes = encoder.encode(name);
  if (bytes.length > 0xffff) throw new InvalidArgumentError(`Manager: a name of ${bytes.length} bytes is too long`);
  if (bytes.length > room) return -bytes.length;
  dst.set(bytes, at);
  return bytes.length;
}

function readName(src: Uint8Array, at: number, n: number): string {
  const cached = nameCache[n];
  if (cached !== undefined) {
    let i = 0;
    while (i < n && src[at + i] === cached.charCodeAt(i)) i++;
    if (i === n) return cached;
  }
  const name = readNameSlow(src, at, n);
  if (n <= 32) nameCache[n] = name;
  return name;
}

function readNameSlow(src: Uint8Array, at: number, n: number): string {
  if (n <= 32) {
    let s = '';
    for (let i = 0; i < n; i++) {
      const c = src[at + i] as number;
      if (c >= 0x80) return decoder.decode(src.slice(at, at + n));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(src.slice(at, at + n));
}

/**
 * Writes a request into dst[offset, offset + room). Returns the bytes written, or -needed when
 * room is too small (then dst's content there is unspecified).
 */
export function encodeRequest(
  op: number,
  id: number,
  name: string,
  args: readonly unknown[],
  dst: Uint8Array,
  offset: number,
  room: number,
): number {
  if (args.length > MAX_ARGS)
    throw new InvalidArgumentError(`Manager: at most ${MAX_ARGS} arguments, got ${args.length}`);
  let pos = offset + REQUEST_HEADER_BYTES;
  let needed = 0; // > 0 once something did not fit: then only sizes are summed
  const nameLen = writeName(name, dst, pos, Math.max(0, room - REQUEST_HEADER_BYTES));
  if (nameLen < 0 || REQUEST_HEADER_BYTES + nameLen > room) needed = REQUEST_HEADER_BYTES + Math.abs(nameLen);
  else pos += nameLen;
  const end = offset + room;
  for (const arg of args) {
    if (needed > 0) {
      needed += 4 + encode(arg).length;
      continue;
    }
    const n = end - pos >= 5 ? encodeInto(arg, dst, pos + 4, end - pos - 4) : -encode(arg).length;
    if (n < 0) {
      needed = pos - offset + 4 - n;
      continue;
    }
    dst[pos] = n & 0xff;
    dst[pos + 1] = (n >>> 8) & 0xff;
    dst[pos + 2] = (n >>> 16) & 0xff;
    dst[pos + 3] = n >>> 24;
    pos += 4 + n;
  }
  if (needed > 0) return -needed;
  dst[offset] = op;
  dst[offset + 1] = args.length;
  dst[offset + 2] = nameLen & 0xff;
  dst[offset + 3] = nameLen >>> 8;
  writeU32(dst, offset + 4, id);
  return pos - offset;
}

export function writeU32(dst: Uint8Array, at: number, v: number): void {
  dst[at] = v & 0xff;
  dst[at + 1] = (v >>> 8) & 0xff;
  dst[at + 2] = (v >>> 16) & 0xff;
  dst[at + 3] = v >>> 24;
}

export function readU32(src: Uint8Array, at: number): number {
  return (
    ((src[at] as number) | ((src[at + 1] as number) << 8) | ((src[at + 2] as number) << 16)) +
    (src[at + 3] as number) * 0x1000000
  );
}

function malformed(why: string): never {
  throw new InvalidArgumentError(`Manager: malformed request: ${why}`);
}

/** Reads a request from src[offset, offset + length); a malformed one is an InvalidArgumentError. */
export function decodeRequest(src: Uint8Array, offset: number, length: number): Request {
  if (length < REQUEST_HEADER_BYTES) malformed(`${length} bytes, shorter than its header`);
  const op = src[offset] as number;
  if (op < OP_CALL || op > OP_INFO) malformed(`unknown op ${op}`);
  const argc = src[offset + 1] as number;
  const nameLen = (src[offset + 2] as number) | ((src[offset + 3] as number) << 8);
  const id = readU32(src, offset + 4);
  const end = offset + length;
  let pos = offset + REQUEST_HEADER_BYTES;
  if (pos + nameLen > end) malformed('the name runs past the end');
  const name = readName(src, pos, nameLen);
  pos += nameLen;
  const args: unknown[] = new Array(argc);
  for (let i = 0; i < argc; i++) {
    if (pos + 4 > end) malformed(`argument ${i} is missing`);
    const n = readU32(src, pos);
    pos += 4;
    if (n === 0 || pos + n > end) malformed(`argument ${i} (${n} bytes) runs past the end`);
    args[i] = decode(src, pos, n);
    pos += n;
  }
  if (pos !== end) malformed(`${end - pos} bytes after the last argument`);
  return { op, id, name, args };
}

/** Writes a response; returns the bytes written or -needed (as encodeRequest). */
export function encodeResponse(status: number, value: unknown, dst: Uint8Array, offset: number, room: number): number {
  if (room < 2) return -(1 + encode(value).length);
  const n = encodeInto(value, dst, offset + 1, room - 1);
  if (n < 0) return n - 1;
  dst[offset] = status;
  return n + 1;
}

/** The response as [status, value]. */
export function decodeResponse(src: Uint8Array, offset: number, length: number): [number, unknown] {
  if (length < 2) throw new InvalidArgumentError(`Manager: malformed response of ${length} bytes`);
  return [src[offset] as number, decode(src, offset + 1, length - 1)];
}

/** A response that does not fit `room`, replaced by the error that says so. */
export function tooLarge(what: string, needed: number, room: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `Manager: the ${what} takes ${needed} bytes, more than the ${room} a message may take; create the ` +
      'Manager with a larger channelBytes (or maxFrameBytes)',
  );
}
