/**
 * The records that travel through a worker's two rings, and how a value becomes a record's
 * payload.
 *
 * Request record (main -> worker), REQ_HEADER = 16 bytes:
 *   +0  u32  length of the record (multiple of 8)
 *   +4  u32  kind (bits 0-7) | flags (bits 8-15) | function id (bits 16-31)
 *   +8  u32  slot (REQ_DEFINE: the function id being defined)
 *   +12 u32  payload length in bytes
 *   +16      payload: a codec encoding (@sabkit/atomics-sync's encodeInto)
 *
 * Response record (worker -> main), RES_HEADER = 32 bytes:
 *   +0  u32  length    +4 u32 kind | flags << 8    +8 u32 slot    +12 u32 payload length
 *   +16 f64  when the task started (ms, epoch clock)
 *   +24 f64  how long it ran (ms)
 *   +32      payload
 *
 * A payload that the codec cannot carry (a SharedArrayBuffer or sabkit object inside it, a
 * transfer list, a MessagePort), that has more than the codec's STRICT_MAX_VALUES values, or that
 * is larger than RING_INLINE_MAX travels as a structured clone by the worker's MessagePort instead:
 * the record then has F_VIA_PORT and no payload, and the reader takes the message with
 * receiveMessageOnPort. The writer posts before it publishes the
 * record, so the message is always there when the record is read, and port messages come in
 * record order.
 *
 * Layout: docs/layouts/pool.md
 */
import { decode, encode, lastDecodeMayRevive, tryEncodeInto } from './codec-link.js';
import { align8, type RingWriter } from './ring.js';
import { RING_INLINE_MAX } from './layout.js';

export const REQ_HEADER = 16;
export const RES_HEADER = 32;

/** Request kinds. */
export const REQ_TASK = 1;
export const REQ_DEFINE = 2;

/** Response kinds. */
export const RES_OK = 1;
export const RES_ERROR = 2;
/** The task was cancelled before it started; it never ran. */
export const RES_SKIPPED = 3;
export const RES_PROGRESS = 4;

/** Flags (bits 8-15 of word 1). */
export const F_VIA_PORT = 0x01;
/** Request: the worker records the task's start time in its slot (the task has a timeout). */
export const F_TIMED = 0x02;
/** Request: the caller listens to progress; without it reportProgress() sends nothing. */
export const F_PROGRESS = 0x04;

/** Most function ids a pool can define (16 bits of the request header). */
export const MAX_FUNCTIONS = 0xffff;

/** Smallest payload room worth trying before asking the codec for the exact size. */
const FIRST_TRY_ROOM = 64;

/** Result of `writeRecord`. */
export const WRITE_FULL = -1;
export const WRITE_PORT = -2;

/**
 * Encodes `value` into a new record of `kind` in `ring`, committed but not published. Returns the
 * record's byte offset; WRITE_FULL if the ring has no room now (nothing written); WRITE_PORT if the
 * value must go by MessagePort instead (too big, or not encodable: SharedArrayBuffers, ports,
 * functions — the port's structured clone then either carries it or throws the real error).
 */
export function writeRecord(
  ring: RingWriter,
  i32: Int32Array,
  u8: Uint8Array,
  header: number,
  word1: number,
  slot: number,
  value: unknown,
): number {
  let off = ring.reserveAny(header + FIRST_TRY_ROOM);
  if (off < 0) return WRITE_FULL;
  let n: number;
  // tryEncodeInto refuses (0) shared memory (node:v8's serializer, the codec's fallback, would
  // silently COPY the bytes of a typed array over shared memory: the task would write to a private
  // copy, where piscina's postMessage keeps it shared), what only node:v8 carries, and large
  // values, in the same pass that encodes: no separate scan of every argument.
  try {
    n = tryEncodeInto(value, u8, off + header, Math.min(ring.room, header + RING_INLINE_MAX) - header);
  } catch {
    return WRITE_PORT; // a getter threw: structured clone by port raises it again for the caller
  }
  if (n === 0) return WRITE_PORT;
  if (n < 0) {
    const need = -n;
    if (need > RING_INLINE_MAX) return WRITE_PORT;
    const len = align8(header + need);
    off = ring.reserve(len);
    if (off < 0) return WRITE_FULL;
    const bytes = encode(value);
    u8.set(bytes, off + header);
    n = bytes.byteLength;
  }
  const len = align8(header + n);
  const w = off >> 2;
  i32[w] = len;
  i32[w + 1] = word1;
  i32[w + 2] = slot;
  i32[w + 3] = n;
  ring.commit(len);
  return off;
}

/** Writes a record with no payload (F_VIA_PORT set by the caller, or a bare notice). */
export function writeBare(ring: RingWriter, i32: Int32Array, header: number, word1: number, slot: number): number {
  const len = align8(header);
  const off = ring.reserve(len);
  if (off < 0) return WRITE_FULL;
  const w = off >> 2;
  i32[w] = len;
  i32[w + 1] = word1;
  i32[w + 2] = slot;
  i32[w + 3] = 0;
  ring.commit(len);
  return off;
}

/** The payload of the record at `off` (header `header` bytes). */
export function readPayload(i32: Int32Array, u8: Uint8Array, off: number, header: number): unknown {
  return decode(u8, off + header, i32[(off >> 2) + 3]);
}

/**
 * Whether the payload readPayload (or the codec's decode) returned last may hold a sabkit
 * descriptor: only then must the receiver revive() it. A ring payload never holds shared memory
 * (tryEncodeInto refuses it), so only a `__sabkit` / `@sabkit` key can make it one.
 */
export const payloadMayRevive = (): boolean => lastDecodeMayRevive();

export const recordLength = (i32: Int32Array, off: number): number => i32[off >> 2];
export const recordKind = (i32: Int32Array, off: number): number => i32[(off >> 2) + 1] & 0xff;
export const recordFlags = (i32: Int32Array, off: number): number => (i32[(off >> 2) + 1] >>> 8) & 0xff;
export const recordFn = (i32: Int32Array, off: number): number => i32[(off >> 2) + 1] >>> 16;
export const recordSlot = (i32: Int32Array, off: number): number => i32[(off >> 2) + 2];

export const word1 = (kind: number, flags: number, fn = 0): number => kind | (flags << 8) | (fn << 16);

/** The string a REQ_DEFINE record carries: the module and the export, which cannot hold a NUL. */
export const defineText = (filename: string, name: string): string => `${filename}\0${name}`;
export function parseDefine(text: string): { filename: string; name: string } {
  const i = text.lastIndexOf('\0');
  return { filename: text.slice(0, i), name: text.slice(i + 1) };
}
