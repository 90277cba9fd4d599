// @sabkit/cluster end to end on one machine: a Redis server, two `sabkit-worker` processes (two
// "machines"), and a ClusterPool that signs its jobs. docs/cluster.md walks through the same code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ClusterPool } from '@sabkit/cluster';
import { localRedis } from './support/local-redis.js';
import type { Order, score } from './tasks/score.js';

const redis = await localRedis();
if (!redis) {
  console.log(
    'cluster demo skipped: redis-server is not on the PATH. Install it (Debian/Ubuntu: ' +
      '`sudo apt-get install redis-server`; macOS: `brew install redis`), or set REDIS_URL to a Redis you ' +
      'may use, and run `npx -y pnpm@12.4.2 run demo` again.',
  );
  process.exit(0);
}

// Both sides share a signing key; workers refuse any job whose HMAC does not verify.
const key = 'demo key: use 32 random bytes in production';
const bin = fileURLToPath(new URL('../../bin/sabkit-worker.mjs', import.meta.url));
const root = fileURLToPath(new URL('./tasks/', import.meta.url));
const workers = [1, 2].map(() =>
  spawn(process.execPath, [bin, '--redis', redis.url, '--queue', 'demo', '--root', root, '--threads', '1'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, SABKIT_CLUSTER_KEY: key },
  }),
);

try {
  await using pool = new ClusterPool({ connection: redis.url, queue: 'demo', key });

  // An inline function: its source travels (it may use only its parameters and globals).
  const squares = await pool.map(
    (x: number) => x * x,
    Array.from({ length: 1000 }, (_, i) => i),
  );
  console.log(
    'sum of squares below 1000:',
    squares.reduce((a, b) => a + b, 0),
  );

  // A module task under the workers' root, objects in and out, progress on the way.
  const orders: Order[] = Array.from({ length: 6 }, (_, i) => ({
    id: `o-${i + 1}`,
    lines: Array.from({ length: 3 }, (_, k) => ({ sku: `sku-${k}`, qty: i + k + 1, price: 9.99 })),
  }));
  let reports = 0;
  const scored = await pool.map<Order, ReturnType<typeof score>>('score.js#score', orders, {
    onProgress: () => reports++,
  });
  console.log('scored orders:', scored.map((s) => `${s.id} ${s.total}`).join(', '), `(${reports} progress reports)`);

  // imap: results in input order as they come.
  const first: number[] = [];
  for await (const v of pool.imap((n: number) => n * 3, [1, 2, 3, 4, 5], 2)) first.push(v);
  console.log('imap:', first.join(' '));
} finally {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once('exit', r) : r(null)))));
  await redis.stop();
}
