// Faults, with real processes and a real redis-server: a worker killed with SIGKILL mid-chunk
// (BullMQ's stalled-job recovery runs the chunk again elsewhere; the caller still gets every
// result exactly once), Redis restarted mid-run, a caller that goes away, and a graceful SIGTERM.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { ClusterPool } from '@sabkit/cluster';
import { TestRedis } from './harness/redis.js';
import { startWorker } from './harness/workers.js';

// Short locks so a dead worker's chunk is taken back within seconds instead of BullMQ's 30 s.
const FAST_STALL = ['--lock-duration', '2000', '--stalled-interval', '1000', '--verbose'];

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
  cleanup = [];
});

async function setup(n: number, queue: string, extra: string[] = FAST_STALL) {
  const redis = await TestRedis.start();
  cleanup.push(() => redis.stop());
  const workers = await Promise.all(Array.from({ length: n }, () => startWorker(redis.url, queue, extra)));
  cleanup.push(() => Promise.all(workers.map((w) => w.stop('SIGKILL'))));
  const pool = new ClusterPool({ connection: redis.url, queue });
  cleanup.push(() => pool.terminate());
  return { redis, workers, pool };
}

async function drained(url: string, queue: string, limitMs: number): Promise<Record<string, number>> {
  const q = new Queue(queue, { connection: { url } });
  try {
    const end = Date.now() + limitMs;
    for (;;) {
      const c = await q.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed', 'failed');
      if (Object.values(c).every((v) => v === 0) || Date.now() > end) return c;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await q.close();
  }
}

const items = Array.from({ length: 10_000 }, (_, i) => i);

test('a worker killed with SIGKILL mid-chunk: its chunk runs again elsewhere; every result exactly once', {
  timeout: 120_000,
}, async () => {
  const { redis, workers, pool } = await setup(3, 'kill');
  const victim = workers[0];
  // 0.1 ms of CPU per item, 100 items a chunk: 100 chunks of ~10 ms.
  const run = pool.starmap(
    'tasks.js#spinTriple',
    items.map((x) => [x, 0.1]),
    100,
  );
  await victim.waitFor(/job (\S+) started\n/);
  victim.proc.kill('SIGKILL');
  const out = await run;
  assert.equal(out.length, items.length);
  for (let i = 0; i < items.length; i++) assert.equal(out[i], 3 * i, `item ${i}`);
  // The victim holds up to 2 chunks at a time (--concurrency defaults to 2 × 1 thread), so it
  // died with at least one started and not done; each of those was run to the end by another.
  const started = [...victim.out().matchAll(/job (\S+) started/g)].map((m) => m[1]);
  const unfinished = started.filter((j) => !victim.out().includes(`job ${j} done`));
  assert.ok(unfinished.length >= 1, `the victim died mid-chunk (started: ${started})`);
  for (const job of unfinished) {
    // The chunk's completion can reach this process (through Redis) before the worker's own
    // "done" line does (through its stdout pipe): wait for the line before counting.
    const done = new RegExp(`job ${job.replaceAll('.', '\\.')} done`);
    await Promise.any(workers.slice(1).map((w) => w.waitFor(done, 10_000))).catch(() =>
      assert.fail(`chunk ${job}: no other worker reported running it to the end within 10 s`),
    );
    const rerunBy = workers.slice(1).filter((w) => w.out().includes(`job ${job} done`));
    assert.equal(rerunBy.length, 1, `chunk ${job} was run again by exactly one other worker`);
  }
  const s = pool.stats;
  assert.equal(s.settled, s.sent, 'every chunk settled once');
  assert.deepEqual(await drained(redis.url, 'kill', 10_000), {
    wait: 0,
    active: 0,
    delayed: 0,
    prioritized: 0,
    completed: 0,
    failed: 0,
  });
});

test('Redis restarted mid-run: the call completes, exact and in order', { timeout: 120_000 }, async () => {
  const { redis, pool } = await setup(3, 'restart');
  const run = pool.starmap(
    'tasks.js#spinTriple',
    items.map((x) => [x, 0.1]),
    50,
  );
  for (let i = 0; i < 400 && pool.stats.settled < 20; i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(pool.stats.settled >= 20 && pool.stats.settled < pool.stats.sent, 'restart happens mid-run');
  await redis.restart(700);
  const out = await run;
  assert.equal(out.length, items.length);
  for (let i = 0; i < items.length; i++) assert.equal(out[i], 3 * i, `item ${i}`);
  // The pool goes on working after the restart.
  assert.deepEqual(await pool.map((x: number) => x + 1, [1, 2, 3]), [2, 3, 4]);
});

test('Redis loses its data mid-run (FLUSHALL): lost chunks are sent again; the call completes', {
  timeout: 120_000,
}, async () => {
  const { redis, pool } = await setup(2, 'flush', ['--concurrency', '1']);
  const small = items.slice(0, 2_000);
  const run = pool.starmap(
    'tasks.js#spinTriple',
    small.map((x) => [x, 0.2]),
    50,
  );
  for (let i = 0; i < 400 && pool.stats.settled < 5; i++) await new Promise((r) => setTimeout(r, 25));
  const flush = spawnSync('redis-cli', ['-p', String(redis.port), 'flushall'], { encoding: 'utf8' });
  assert.equal(flush.stdout.trim(), 'OK');
  const out = await run;
  assert.deepEqual(
    out,
    small.map((x) => 3 * x),
  );
  assert.ok(pool.stats.resent + pool.stats.skipped > 0, `chunks sent again: ${JSON.stringify(pool.stats)}`);
});

test('a caller that goes away leaves no worker busy for it: its chunks are skipped', { timeout: 120_000 }, async () => {
  const { redis, workers } = await setup(2, 'gone', ['--verbose', '--concurrency', '1']);
  const script = fileURLToPath(new URL('./fixtures/caller-script.js', import.meta.url));
  const caller = spawn(process.execPath, [script, redis.url, 'gone'], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.push(async () => caller.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    caller.stdout!.on('data', (d) => String(d).includes('sent') && resolve());
    caller.once('exit', (c) => reject(new Error(`caller exited early: ${c}`)));
  });
  caller.kill('SIGKILL');
  // 400 chunks of 100 ms on two workers would take 20 s; once the caller's key expires (1.5 s)
  // the rest are skipped, and the queue empties.
  const left = await drained(redis.url, 'gone', 60_000);
  assert.deepEqual(left, { wait: 0, active: 0, delayed: 0, prioritized: 0, completed: 0, failed: 0 });
  const skipped = workers.map((w) => (w.out().match(/skipped: its caller is gone/g) ?? []).length);
  assert.ok(skipped.reduce((a, b) => a + b) > 0, `workers skipped chunks of the dead caller: ${skipped}`);
  // And they still serve a live caller.
  const pool = new ClusterPool({ connection: redis.url, queue: 'gone' });
  cleanup.push(() => pool.terminate());
  assert.deepEqual(await pool.map((x: number) => x * 2, [1, 2]), [2, 4]);
});

test('SIGTERM: the worker finishes its running chunk, takes no new one, and exits 0', {
  timeout: 120_000,
}, async () => {
  const { redis, workers, pool } = await setup(1, 'term', ['--verbose', '--concurrency', '1']);
  const [w] = workers;
  const first = pool.apply('tasks.js#sleepy', ['first', 1500]);
  await w.waitFor(/job \S+ started/);
  const second = pool.apply('tasks.js#sleepy', ['second', 10]);
  const code = await w.stop('SIGTERM');
  assert.equal(code, 0);
  assert.equal(await first, 'first');
  assert.equal((w.out().match(/started/g) ?? []).length, 1, 'no new chunk after SIGTERM');
  // The second chunk waited in the queue for the next worker.
  const next = await startWorker(redis.url, 'term');
  cleanup.push(() => next.stop('SIGKILL'));
  assert.equal(await second, 'second');
});
