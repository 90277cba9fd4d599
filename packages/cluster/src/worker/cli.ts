/**
 * `sabkit-worker`: a worker machine's process.
 *
 *   sabkit-worker --redis redis://host:6379 --queue NAME --root DIR [--threads N] [--concurrency K]
 *                 [--key-file FILE] [--prefix bull] [--lock-duration MS] [--stalled-interval MS]
 *                 [--tls-ca FILE] [--verbose]
 *
 * The Redis password goes in the URL (redis://:password@host) or in REDIS_PASSWORD, TLS with a
 * rediss:// URL (plus --tls-ca for a private CA). The signing key comes from --key-file or the
 * SABKIT_CLUSTER_KEY variable, never from the command line, where `ps` would show it.
 * SIGTERM or SIGINT: finish the running chunks, take no new ones, exit 0; a second one exits at once.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RedisOptions } from 'ioredis';
import { ClusterWorker } from './cluster-worker.js';

const USAGE =
  'usage: sabkit-worker --redis URL --queue NAME --root DIR [--threads N] [--concurrency K] [--key-file FILE]\n' +
  '                     [--prefix P] [--lock-duration MS] [--stalled-interval MS] [--tls-ca FILE] [--verbose]';

export async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        redis: { type: 'string' },
        queue: { type: 'string' },
        root: { type: 'string' },
        threads: { type: 'string' },
        concurrency: { type: 'string' },
        'key-file': { type: 'string' },
        prefix: { type: 'string' },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
        'tls-ca': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    process.stderr.write(`sabkit-worker: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const req of ['redis', 'queue', 'root']) {
    if (typeof values[req] !== 'string') {
      process.stderr.write(`sabkit-worker: --${req} is required\n${USAGE}\n`);
      return 2;
    }
  }
  const num = (k: string): number | undefined => (values[k] === undefined ? undefined : Number(values[k]));
  const key =
    typeof values['key-file'] === 'string'
      ? readFileSync(values['key-file']).toString('utf8').trim()
      : process.env.SABKIT_CLUSTER_KEY || undefined;
  const connection: RedisOptions & { url: string } = { url: values.redis as string };
  if (process.env.REDIS_PASSWORD) connection.password = process.env.REDIS_PASSWORD;
  if (typeof values['tls-ca'] === 'string') connection.tls = { ca: readFileSync(values['tls-ca']) };
  const verbose = values.verbose === true;
  const worker = new ClusterWorker({
    connection,
    queue: values.queue as string,
    root: values.root as string,
    threads: num('threads'),
    concurrency: num('concurrency'),
    key,
    prefix: values.prefix as string | undefined,
    lockDuration: num('lock-duration'),
    stalledInterval: num('stalled-interval'),
    verbose,
  });
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) {
      process.stderr.write(`sabkit-worker: second ${sig}, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`sabkit-worker: ${sig}: finishing the running chunks\n`);
    worker.close().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`sabkit-worker: close failed: ${(e as Error)?.stack ?? e}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await worker.ready();
  process.stdout.write(
    `sabkit-worker ${worker.id}: queue '${values.queue}', ${worker.threads} threads, ` +
      `${worker.concurrency} chunks in flight${key ? ', signed jobs only' : ''}\n`,
  );
  return -1;
}
