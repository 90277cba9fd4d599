// Trust: a Redis password and TLS pass through to both sides; with a shared key, workers run only jobs
// whose HMAC verifies, and refuse (and report) anything else, whoever wrote it to the queue.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Queue, QueueEvents } from 'bullmq';
import { InvalidArgumentError } from '@sabkit/atomics-sync';
import { ClusterPool, SignatureError } from '@sabkit/cluster';
import { TestRedis, haveOpenssl } from './harness/redis.js';
import { startWorker, type TestWorker } from './harness/workers.js';

const KEY = 'a shared key of the test, 32 B!';
const Q = 'signed';
let redis: TestRedis;
let worker: TestWorker;

before(
  async () => {
    redis = await TestRedis.start({ password: 'hunter2-hunter2' });
    worker = await startWorker(redis.url, Q, [], { SABKIT_CLUSTER_KEY: KEY });
  },
  { timeout: 60_000 },
);

after(
  async () => {
    await worker?.stop();
    await redis?.stop();
  },
  { timeout: 60_000 },
);

test('signed jobs run; the password in the URL reaches Redis', { timeout: 30_000 }, async () => {
  await using pool = new ClusterPool({ connection: redis.url, queue: Q, key: KEY });
  assert.deepEqual(await pool.map((x: number) => x + 1, [1, 2, 3]), [2, 3, 4]);
  await using opts = new ClusterPool({
    connection: { host: '127.0.0.1', port: redis.port, password: redis.password },
    queue: Q,
    key: Buffer.from(KEY),
  });
  assert.equal(await opts.apply('tasks.js#square', [9]), 81);
});

test('a job signed with another key, or not signed, is rejected and reported', { timeout: 30_000 }, async () => {
  await using wrong = new ClusterPool({ connection: redis.url, queue: Q, key: 'another key, also long enough' });
  const e = (await wrong.apply('tasks.js#square', [2]).catch((x) => x)) as SignatureError;
  assert.ok(e instanceof SignatureError, String(e));
  assert.equal(e.code, 'ERR_SABKIT_SIGNATURE');
  assert.match(e.message, /signature does not verify/);
  await using unsigned = new ClusterPool({ connection: redis.url, queue: Q });
  await assert.rejects(unsigned.apply('tasks.js#square', [2]), (x: Error) => {
    assert.ok(x instanceof SignatureError);
    assert.match(x.message, /it is not signed/);
    return true;
  });
  await worker.waitFor(/REJECTED job \S+ .*not signed/);
  assert.match(worker.out(), /REJECTED job \S+ .*signature does not verify/);
});

test('a forged job written straight to the queue never runs', { timeout: 30_000 }, async () => {
  const connection = { url: redis.url };
  const queue = new Queue(Q, { connection });
  // From the stream's start: events read from '$' could begin after the job already failed.
  const events = new QueueEvents(Q, { connection, lastEventId: '0' });
  try {
    await events.waitUntilReady();
    const payload = JSON.stringify({
      v: 1,
      id: 'forged.1.0',
      pool: 'nobody',
      fn: { kind: 'inline', name: 'evil', source: '() => process.exit(3)' },
      items: [[]],
      star: true,
      method: 'apply',
      offset: 0,
    });
    const failed = new Promise<string>((resolve) =>
      events.on('failed', ({ jobId, failedReason }) => jobId === 'forged.1.0' && resolve(failedReason)),
    );
    await queue.add('apply', { payload, sig: Buffer.alloc(32, 7).toString('base64') }, { jobId: 'forged.1.0' });
    assert.match(await failed, /^SignatureError: .*forged\.1\.0.*signature does not verify/);
    assert.equal(worker.proc.exitCode, null, 'the worker is still running');
    const job = await queue.getJob('forged.1.0');
    assert.equal(job?.attemptsMade ?? 1, 1, 'no retry of a refused job');
  } finally {
    await events.close();
    await queue.close();
  }
});

test('keys shorter than 16 bytes are refused', () => {
  assert.throws(() => new ClusterPool({ connection: redis.url, queue: Q, key: 'short' }), InvalidArgumentError);
});

test('TLS: rediss:// with the CA passes through to the pool and the worker', { timeout: 60_000 }, async (t) => {
  if (!haveOpenssl()) {
    t.skip('openssl is not on the PATH: no certificates can be made for a TLS redis-server');
    return;
  }
  const tlsRedis = await TestRedis.start({ password: 'tls-password-123', tls: true });
  let w: TestWorker | undefined;
  try {
    w = await startWorker(tlsRedis.url, 'tls', ['--tls-ca', tlsRedis.caFile!]);
    const ca = readFileSync(tlsRedis.caFile!);
    await using pool = new ClusterPool({ connection: { url: tlsRedis.url, tls: { ca } }, queue: 'tls' });
    assert.deepEqual(await pool.map((x: number) => x * 2, [1, 2, 3]), [2, 4, 6]);
    // Without the CA the server's certificate is not trusted: the pool never connects, and the
    // call's signal bounds the wait.
    await using untrusted = new ClusterPool({ connection: tlsRedis.url, queue: 'tls' });
    await assert.rejects(
      untrusted.apply((x: number) => x, [1], { signal: AbortSignal.timeout(1500) }),
      (e: Error) => e.name === 'TimeoutError',
    );
  } finally {
    await w?.stop();
    await tlsRedis.stop();
  }
});
