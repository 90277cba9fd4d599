/**
 * Mutual authentication of a manager connection (as Python's multiprocessing.connection
 * deliver_challenge / answer_challenge, in both directions, with HMAC-SHA256 and a fresh random
 * nonce from each side; comparisons in constant time):
 *
 *   server -> client  T_CHALLENGE  PROTOCOL_MAGIC (16 bytes) | Ns (NONCE_BYTES random)
 *   client -> server  T_ANSWER     Nc (NONCE_BYTES random) | HMAC(key, CLIENT_LABEL | Ns | Nc)
 *   server -> client  T_WELCOME    HMAC(key, SERVER_LABEL | Nc | Ns)      (or T_FAILURE, then close)
 *
 * The client proves it knows the key before the server serves anything; the server proves it too
 * before the client sends a request, so a client never talks to an impostor. Both nonces enter
 * both MACs, so an answer recorded from one connection is worthless on another.
 */
import { crypto } from './builtins.js';

export const PROTOCOL_MAGIC = 'sabkit-manager/1';
export const NONCE_BYTES = 32;
export const MAC_BYTES = 32;
const CLIENT_LABEL = Buffer.from('sabkit-manager/1 client');
const SERVER_LABEL = Buffer.from('sabkit-manager/1 server');

export function mac(key: Uint8Array, label: Buffer, a: Uint8Array, b: Uint8Array): Buffer {
  return crypto().createHmac('sha256', key).update(label).update(a).update(b).digest();
}

/** The authkey as bytes: a string is its UTF-8; an empty key is refused. */
export function keyBytes(authkey: unknown): Buffer {
  const k =
    typeof authkey === 'string'
      ? Buffer.from(authkey, 'utf8')
      : authkey instanceof Uint8Array
        ? Buffer.from(authkey)
        : null;
  if (!k || k.length === 0) throw new TypeError('authkey must be a non-empty string or Uint8Array');
  return k;
}

export function challenge(): { nonce: Buffer; payload: Buffer } {
  const nonce = crypto().randomBytes(NONCE_BYTES);
  return { nonce, payload: Buffer.concat([Buffer.from(PROTOCOL_MAGIC, 'latin1'), nonce]) };
}

/** Client: the answer to a challenge payload, and the MAC the server must send back; null if malformed. */
export function answer(key: Uint8Array, payload: Uint8Array): { payload: Buffer; expect: Buffer } | null {
  if (payload.length !== PROTOCOL_MAGIC.length + NONCE_BYTES) return null;
  if (Buffer.from(payload.subarray(0, PROTOCOL_MAGIC.length)).toString('latin1') !== PROTOCOL_MAGIC) return null;
  const ns = payload.subarray(PROTOCOL_MAGIC.length);
  const nc = crypto().randomBytes(NONCE_BYTES);
  return { payload: Buffer.concat([nc, mac(key, CLIENT_LABEL, ns, nc)]), expect: mac(key, SERVER_LABEL, nc, ns) };
}

/** Server: checks an answer; returns the welcome payload, or null if the client does not know the key. */
export function verify(key: Uint8Array, ns: Uint8Array, payload: Uint8Array): Buffer | null {
  if (payload.length !== NONCE_BYTES + MAC_BYTES) return null;
  const nc = payload.subarray(0, NONCE_BYTES);
  const want = mac(key, CLIENT_LABEL, ns, nc);
  if (!crypto().timingSafeEqual(want, payload.subarray(NONCE_BYTES))) return null;
  return mac(key, SERVER_LABEL, nc, ns);
}

/** Client: checks the server's welcome MAC in constant time. */
export function welcomeOk(expect: Buffer, payload: Uint8Array): boolean {
  return payload.length === MAC_BYTES && crypto().timingSafeEqual(expect, payload);
}
