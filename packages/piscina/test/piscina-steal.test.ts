// Work stealing (balancer.ts, rebalance): a task waiting in a busy worker's ring moves to a worker
// that has nothing to do, and still runs exactly once, whatever happens to the worker it left.
//
// The first tests cannot pass without stealing, whatever the timing: the blocked task waits for
// the task queued behind it, so without a steal they would deadlock (and fail on the time bound).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Event } from '@sabkit/atomics-sync';
import { Piscina, WorkerCrashError } from '../src/index.js';
import { mulberry32 } from './prng.js';

const steal = new URL('./fixtures/steal.js', import.meta.url);

/** A pool of two started workers (both ready), so placement is by load alone. */
async function twoReadyWorkers(extra: object = {}): Promise<Piscina> {
  const pool = new Piscina({ filename: steal, minThreads: 2, maxThreads: 2, ...extra });
  const hits = new Int32Array(new SharedArrayBuffer(4 * 64));
  await Promise.all(
    Array.from({ length: 64 }, (_, i) => pool.run({ hits, i, spinMs: 1, async: false }, { name: 'count' })),
  );
  return pool;
}

/**
 * Worker A gets a blocker (waits for `event`), worker B a short task; then the releaser (sets the
 * event): both workers hold one task, ties go to the lower index, so it lands behind the blocker,
 * which waits for it. B finishing makes B steal it. hits[0] counts the releaser, hits[1] the short.
 */
function blockedPair(pool: Piscina, hits: Int32Array, exitCode?: number) {
  const event = new Event();
  const blocker = pool.run(exitCode === undefined ? { event } : { event, exitCode }, { name: 'blockUntil' });
  const short = pool.run({ hits, i: 1, spinMs: 2, async: false }, { name: 'count' });
  return { event, blocker, short };
}

test('a task queued behind a blocked one moves to the idle worker and runs there, once', {
  timeout: 30_000,
}, async () => {
  const pool = await twoReadyWorkers();
  try {
    for (let round = 0; round < 20; round++) {
      const hits = new Int32Array(new SharedArrayBuffer(8));
      const { event, blocker, short } = blockedPair(pool, hits);
      const releaser = pool.run({ event, hits, i: 0 }, { name: 'release' });
      // Completing at all proves the steal: without it the blocker waits for the releaser behind
      // it. (Which worker runs what is not fixed: a worker slow to wake can lose the blocker too.)
      await Promise.all([blocker, short, releaser]);
      assert.deepEqual([...hits], [1, 1], 'each task ran exactly once');
    }
    assert.equal(pool.threads.length, 2);
    assert.equal(pool.completed, 64 + 60);
  } finally {
    await pool.destroy();
  }
});

test('the worker a task was stolen from dies: the task is not run a second time', { timeout: 30_000 }, async () => {
  const pool = await twoReadyWorkers();
  try {
    const hits = new Int32Array(new SharedArrayBuffer(8));
    const { event, blocker, short } = blockedPair(pool, hits, 7);
    const releaser = pool.run({ event, hits, i: 0 }, { name: 'release' });
    const e = await blocker.then(
      () => assert.fail('the blocker resolved'),
      (x: unknown) => x,
    );
    assert.ok(e instanceof WorkerCrashError, `expected WorkerCrashError, got ${String(e)}`);
    assert.equal((e as WorkerCrashError).exitCode, 7);
    assert.equal(typeof (await releaser), 'number');
    await short;
    // The dead worker's slot still named the stolen task; it must not have been queued again.
    const after = new Int32Array(new SharedArrayBuffer(4 * 32));
    await Promise.all(
      Array.from({ length: 32 }, (_, i) => pool.run({ hits: after, i, spinMs: 0, async: false }, { name: 'count' })),
    );
    assert.deepEqual([...hits], [1, 1], 'the releaser ran exactly once');
  } finally {
    await pool.destroy();
  }
});

test('an aborted task is not stolen; the others are, and each settles once', { timeout: 30_000 }, async () => {
  const pool = await twoReadyWorkers();
  try {
    const hits = new Int32Array(new SharedArrayBuffer(16));
    const ac = new AbortController();
    const { event, blocker, short } = blockedPair(pool, hits);
    // The aborted task goes behind the short one: the releaser must be stolen, the aborted task
    // skipped, never run.
    const releaser = pool.run({ event, hits, i: 0 }, { name: 'release' });
    const aborted = pool.run({ hits, i: 2, spinMs: 0, async: false }, { name: 'count', signal: ac.signal });
    ac.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    await Promise.all([blocker, short, releaser]);
    assert.deepEqual([...hits].slice(0, 3), [1, 1, 0], 'the aborted task never ran');
  } finally {
    await pool.destroy();
  }
});

for (const [threads, concurrency, seed] of [
  [2, 1, 1],
  [3, 1, 2],
  [2, 2, 3],
  [3, 3, 4],
] as const) {
  test(`hammer: ${threads} workers x ${concurrency} concurrent, mixed task lengths, every task runs exactly ` +
    `once (seed ${seed})`, {
    timeout: 60_000,
  }, async () => {
    const rand = mulberry32(seed);
    const pool = new Piscina({
      filename: steal,
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: concurrency,
    });
    try {
      for (let batch = 0; batch < 6; batch++) {
        const n = 60 + Math.floor(rand() * 200);
        const hits = new Int32Array(new SharedArrayBuffer(4 * n));
        // Bursts of long tasks end every batch, so rings hold queued work when the pool's queue
        // empties: the tail that stealing rebalances.
        const spec = Array.from({ length: n }, (_, i) => ({
          spinMs: i > n - 8 ? 5 + rand() * 20 : rand() < 0.1 ? rand() * 8 : rand() * 0.3,
          async: concurrency > 1 && rand() < 0.3,
        }));
        const results = await Promise.all(spec.map((s, i) => pool.run({ hits, i, ...s }, { name: 'count' })));
        assert.deepEqual(
          results,
          spec.map((_, i) => i),
        );
        const wrong = [...hits].map((h, i) => [i, h]).filter(([, h]) => h !== 1);
        assert.deepEqual(wrong, [], 'tasks run other than exactly once ([index, runs])');
      }
    } finally {
      await pool.destroy();
    }
  });
}

test('results a worker holds back (coalesced wake-ups) still arrive while it runs a long task', {
  timeout: 30_000,
}, async () => {
  // Tiny tasks make the ring deep and let a worker defer announcing results; a long task the
  // worker did not expect to be long then keeps it from announcing them. The main thread's park is
  // bounded (MAIN_PARK_MAX_MS, 20 ms), so it finds them anyway: here within the long task's second.
  const pool = new Piscina({ filename: new URL('./fixtures/tasks.js', import.meta.url), minThreads: 1, maxThreads: 1 });
  try {
    for (let i = 0; i < 3; i++)
      await Promise.all(Array.from({ length: 2000 }, (_, k) => pool.run(k, { name: 'echo' })));
    const longDone = { at: 0 };
    // Longer than the main thread's spin (so it parks), short enough together (2 ms) to stay
    // inside the worker's coalescing window, with enough queued behind them (600) that the
    // worker is not running low: nothing makes it announce them before the long task starts.
    const before = Array.from({ length: 20 }, () => pool.run(0.1, { name: 'spin' }));
    const long = pool.run(1000, { name: 'spin' }).then(() => (longDone.at = performance.now()));
    const after = Array.from({ length: 600 }, (_, k) => pool.run(k, { name: 'echo' }));
    await Promise.all(before);
    const beforeAt = performance.now();
    await long;
    await Promise.all(after);
    assert.ok(beforeAt < longDone.at, 'the results before the long task arrived while it ran');
  } finally {
    await pool.destroy();
  }
});

test('a cold pool: a task given to a worker still booting moves to the one that became ready', {
  timeout: 30_000,
}, async () => {
  // Two tasks into two booting workers, one each. One worker's module load blocks until the gate
  // opens (after both results are in), so its task can only complete if the other worker takes it.
  const gate = new Int32Array(new SharedArrayBuffer(8));
  const pool = new Piscina({
    filename: new URL('./fixtures/slow-boot.js', import.meta.url),
    minThreads: 2,
    maxThreads: 2,
    workerData: { gate: gate.buffer },
  });
  try {
    const started = Date.now();
    const results = (await Promise.all([pool.run(1), pool.run(2)])) as { x: number; threadId: number }[];
    assert.ok(
      Date.now() - started < 10_000,
      'both ran before the blocked worker was released (its wait is bounded at 15 s)',
    );
    assert.deepEqual(
      results.map((r) => r.x),
      [1, 2],
    );
    assert.equal(results[0].threadId, results[1].threadId, 'both ran on the worker that was ready');
    assert.equal(Atomics.load(gate, 0), 2, 'both workers loaded the module');
    // piscina's own suite (thread-count: "idleThreads reflects ready, unoccupied workers") expects
    // both idle once both results are in: the booting worker keeps only the slot of the task taken
    // from it, until it skips that record, and runs nothing (it failed ~1 in 30 cold starts).
    assert.equal(pool.idleThreads, 2, 'a slot whose task was stolen does not make its worker busy');
  } finally {
    Atomics.store(gate, 1, 1);
    Atomics.notify(gate, 1);
    await pool.destroy();
  }
});

test('a blocked worker still holding a stolen task does not hide another worker’s stealable task', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: steal, minThreads: 3, maxThreads: 3 });
  try {
    const warm = new Int32Array(new SharedArrayBuffer(4 * 96));
    await Promise.all(
      Array.from({ length: 96 }, (_, i) => pool.run({ hits: warm, i, spinMs: 1, async: false }, { name: 'count' })),
    );
    // Rounds: which worker holds what after the warm-up varies, the situation comes in most rounds.
    for (let round = 0; round < 5; round++) {
      const event = new Event();
      const hits = new Int32Array(new SharedArrayBuffer(8));
      // Workers A and B block until the event is set; C runs a 300 ms task. Then, with every worker
      // busy, a short task waits behind A's blocker and the releaser behind B's. C steals the short
      // task from A (whose ring keeps the slot until A, blocked, skips the record), runs it, and must
      // then steal the releaser from B: without that, the blockers wait for the releaser behind one of them.
      const blockers = [pool.run({ event }, { name: 'blockUntil' }), pool.run({ event }, { name: 'blockUntil' })];
      const long = pool.run({ hits, i: 1, spinMs: 300, async: false }, { name: 'count' });
      const short = pool.run({ hits, i: 1, spinMs: 1, async: false }, { name: 'count' });
      const releaser = pool.run({ event, hits, i: 0 }, { name: 'release' });
      await Promise.all([...blockers, long, short, releaser]);
      assert.deepEqual([...hits], [1, 2], 'each task ran exactly once');
    }
  } finally {
    await pool.destroy();
  }
});
