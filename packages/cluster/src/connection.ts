/**
 * Redis connections for both sides. Passwords, usernames and TLS pass through untouched: a
 * `rediss://user:password@host:port/db` URL, or ioredis options ({ host, port, password, tls: {
 * ca, cert, key } ... }), or both (the options then override the URL's parts).
 *
 * Every connection retries requests for as long as Redis is away (maxRetriesPerRequest: null,
 * which BullMQ's workers require anyway): a Redis restart pauses the work instead of failing it,
 * and each call's own timeout or AbortSignal bounds how long a caller waits.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';

export type { RedisOptions };

/** Where Redis is: a URL, ioredis options, or `{ url, ...options }`. */
export type ClusterConnection = string | (RedisOptions & { readonly url?: string });

export function checkConnection(c: unknown, param: string): ClusterConnection {
  if (typeof c === 'string' && /^rediss?:\/\//.test(c)) return c;
  if (typeof c === 'object' && c !== null && !Array.isArray(c)) return c as ClusterConnection;
  throw new InvalidArgumentError(
    `${param} must be a redis:// or rediss:// URL or ioredis options { host, port, password, tls, ... }, got ` +
      `${describe(typeof c === 'string' ? c.replace(/\/\/[^@]*@/, '//…@') : c)}`,
  );
}

/** A new connection; `name` shows in CLIENT LIST. */
export function connect(c: ClusterConnection, name: string): Redis {
  const base: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    // Back off to one attempt a second while Redis is away; never give up.
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
  };
  let r: Redis;
  if (typeof c === 'string') r = new Redis(c, base);
  else {
    const { url, ...opts } = c;
    r = url === undefined ? new Redis({ ...base, ...opts }) : new Redis(url, { ...base, ...opts });
  }
  // Connection errors are retried (retryStrategy); the owner reports an outage once if it cares.
  r.on('error', () => {});
  return r;
}

/** The prefix of the URL or options, with any password hidden, for messages and logs. */
export function describeConnection(c: ClusterConnection): string {
  if (typeof c === 'string') return c.replace(/\/\/[^@]*@/, '//…@');
  const o = c as RedisOptions & { url?: string };
  return o.url ? o.url.replace(/\/\/[^@]*@/, '//…@') : `redis://${o.host ?? '127.0.0.1'}:${o.port ?? 6379}`;
}
