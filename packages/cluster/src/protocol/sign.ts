/**
 * Signed jobs: HMAC-SHA256 over the job's payload string with a key both sides share, checked in
 * constant time (timingSafeEqual), as Python's manager checks a client's authkey. Without a key
 * anyone who can write to the queue makes the workers run code (docs/cluster.md, trust model).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';

/** A job-signing key shared by callers and workers: at least 16 bytes (`InvalidArgumentError` if shorter). */
export type SigningKey = string | Uint8Array;

/** The key as bytes; refuses an empty or short key (a 16-byte minimum, as a guess is then hopeless). */
export function keyBytes(key: unknown, param: string): Buffer {
  const bytes =
    typeof key === 'string' ? Buffer.from(key, 'utf8') : key instanceof Uint8Array ? Buffer.from(key) : undefined;
  if (bytes === undefined) {
    throw new InvalidArgumentError(`${param} must be a string or a Uint8Array, got ${describe(key)}`);
  }
  if (bytes.length < 16) {
    throw new InvalidArgumentError(`${param} must be at least 16 bytes long, got ${bytes.length} bytes`);
  }
  return bytes;
}

export function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload, 'utf8').digest('base64');
}

/** Whether `sig` is the HMAC of `payload` under `key`; the comparison takes the same time either way. */
export function verify(key: Buffer, payload: string, sig: unknown): boolean {
  if (typeof sig !== 'string') return false;
  const want = createHmac('sha256', key).update(payload, 'utf8').digest();
  const got = Buffer.from(sig, 'base64');
  // Lengths differ only for a malformed signature; timingSafeEqual needs equal lengths.
  if (got.length !== want.length) return false;
  return timingSafeEqual(got, want);
}
