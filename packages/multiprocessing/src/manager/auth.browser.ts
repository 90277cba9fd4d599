/**
 * auth.ts in the browser build: only the authkey's bytes (a local manager keeps one); the
 * handshake needs a socket, which a browser does not have (builtins.browser.ts).
 */
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';

/** The authkey as bytes: a string is its UTF-8; an empty key is refused. */
export function keyBytes(authkey: unknown): Uint8Array {
  const k =
    typeof authkey === 'string'
      ? new TextEncoder().encode(authkey)
      : authkey instanceof Uint8Array
        ? authkey.slice()
        : null;
  if (!k || k.length === 0)
    throw new InvalidArgumentError(`authkey must be a non-empty string or Uint8Array, got ${describe(authkey)}`);
  return k;
}
