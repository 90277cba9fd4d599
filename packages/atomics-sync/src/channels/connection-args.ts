/**
 * Argument checks of Connection's byte methods (connection.ts): sendBytes' range, recvBytes'
 * maxLength, recvBytesInto's target. Each throws InvalidArgumentError naming the method, or
 * PayloadTooLargeError for a range longer than MAX_MESSAGE_BYTES.
 */
import { InvalidArgumentError, describe } from '../errors.js';
import { MAX_MESSAGE_BYTES, SINK_INTO, type Sink, newSink } from './ring.js';
import { bytesOf, tooLarge } from './ring-ops.js';

/** sendBytes' (buf, offset, size) checked: the bytes, the offset and the length to send. */
export function bytesRange(buf: unknown, offset: unknown, size: unknown, op: string): [Uint8Array, number, number] {
  const u8 = bytesOf(buf, `Connection.${op}`, 'buf');
  const n = u8.byteLength;
  const off = offset === undefined ? 0 : offset;
  if (typeof off !== 'number' || !Number.isInteger(off) || off < 0 || off > n) {
    throw new InvalidArgumentError(
      `Connection.${op}: offset must be an integer from 0 to the buffer's ${n} bytes, ` + `got ${describe(offset)}`,
    );
  }
  const len = size === undefined ? n - off : size;
  if (typeof len !== 'number' || !Number.isInteger(len) || len < 0 || off + len > n) {
    throw new InvalidArgumentError(
      `Connection.${op}: size must be an integer from 0 to ${n - off} ` +
        `(the buffer's ${n} bytes minus offset ${off}), got ${describe(size)}`,
    );
  }
  if (len > MAX_MESSAGE_BYTES) throw tooLarge(`Connection.${op}`, len);
  return [u8, off, len];
}

/** recvBytes' maxLength checked; MAX_MESSAGE_BYTES when absent. */
export function maxLengthOf(maxLength: unknown, op: string): number {
  if (maxLength === undefined || maxLength === null) return MAX_MESSAGE_BYTES;
  if (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 0) {
    throw new InvalidArgumentError(
      `Connection.${op}: maxLength must be a non-negative integer or undefined, got ${describe(maxLength)}`,
    );
  }
  return maxLength;
}

/** recvBytesInto's (buffer, offset) checked, as the sink that receives into them. */
export function intoSink(buffer: unknown, offset: unknown, op: string): Sink {
  const target = bytesOf(buffer, `Connection.${op}`, 'buffer');
  const off = offset === undefined ? 0 : offset;
  if (typeof off !== 'number' || !Number.isInteger(off) || off < 0 || off > target.byteLength) {
    throw new InvalidArgumentError(
      `Connection.${op}: offset must be an integer from 0 to the buffer's ${target.byteLength} bytes, ` +
        `got ${describe(offset)}`,
    );
  }
  return newSink(SINK_INTO, MAX_MESSAGE_BYTES, target, off);
}
