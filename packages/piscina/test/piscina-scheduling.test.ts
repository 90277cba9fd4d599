// Scheduling where it decides which tasks can run (core.ts #place, balancer.ts): a worker holds
// tasks beyond concurrentTasksPerWorker only when no new worker can be started for them, so the
// pool grows as piscina's does and tasks that wait for each other do not deadlock; abortable tasks
// never share a worker; queueSize and needsDrain count exactly what waits. No timing assertions:
// each test either completes or fails on its time bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Piscina, AbortError, PoolClosedError, QueueFullError } from '../src/index.js';

const sched = new URL('./fixtures/sched.js', import.meta.url);

const cellsOf = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * n));
function release(cells: Int32Array, i: number): void {
  Atomics.store(cells, i, 1);
  Atomics.notify(cells, i);
}

test('two tasks that wait for each other both run: the second starts a worker, not a ring slot', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: sched, minThreads: 1, maxThreads: 2 });
  try {
    for (let round = 0; round < 3; round++) {
      const cells = cellsOf(2);
      const ids = await Promise.all([
        pool.run({ cells, me: 0, other: 1 }, { name: 'meet' }),
        pool.run({ cells, me: 1, other: 0 }, { name: 'meet' }),
      ]);
      assert.notEqual(ids[0], ids[1], 'they ran on two workers');
    }
    // Measured short tasks (pipelining on) do not change it.
    await Promise.all(Array.from({ length: 500 }, (_, i) => pool.run(i, { name: 'echo' }).catch(() => 0)));
    const cells = cellsOf(2);
    await Promise.all([
      pool.run({ cells, me: 0, other: 1 }, { name: 'meet' }),
      pool.run({ cells, me: 1, other: 0 }, { name: 'meet' }),
    ]);
  } finally {
    await pool.destroy();
  }
});

test('under load the pool grows as piscina: 2, 2, 3, 4, 4 workers; queueSize counts what waits', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: sched, minThreads: 2, maxThreads: 4 });
  const cells = cellsOf(5);
  try {
    const runs: Promise<unknown>[] = [];
    const threads: number[] = [];
    const queued: number[] = [];
    for (let i = 0; i < 5; i++) {
      runs.push(pool.run({ cells, i }, { name: 'block' }));
      threads.push(pool.threads.length);
      queued.push(pool.queueSize);
    }
    assert.deepEqual(threads, [2, 2, 3, 4, 4]);
    assert.deepEqual(queued, [0, 0, 0, 0, 1]);
    for (let i = 0; i < 5; i++) release(cells, i);
    await Promise.all(runs);
    assert.equal(pool.queueSize, 0);
    assert.equal(pool.needsDrain, false);
  } finally {
    for (let i = 0; i < 5; i++) release(cells, i);
    await pool.destroy();
  }
});

test('minThreads 0 and maxQueue 0: the first run() starts a worker; a second while it is busy is refused', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: sched, minThreads: 0, maxThreads: 1, maxQueue: 0 });
  const cells = cellsOf(1);
  try {
    const first = pool.run({ cells, i: 0 }, { name: 'block' });
    assert.equal(pool.threads.length, 1);
    await assert.rejects(pool.run({ cells, i: 0 }, { name: 'block' }), QueueFullError);
    release(cells, 0);
    assert.equal(typeof (await first), 'number');
  } finally {
    release(cells, 0);
    await pool.destroy();
  }
});

test('an abortable task never shares a worker; aborting it fails no other task', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: sched, minThreads: 2, maxThreads: 2, concurrentTasksPerWorker: 2 });
  const cells = cellsOf(4);
  try {
    const ac = new AbortController();
    const abortable = pool.run({ cells, i: 0 }, { name: 'block', signal: ac.signal });
    // Both workers have a free slot, but the abortable task's worker takes nothing else.
    const others = [1, 2].map((i) => pool.run({ cells, i }, { name: 'block' }));
    assert.equal(pool.queueSize, 0);
    const third = pool.run({ cells, i: 3 }, { name: 'block' });
    assert.equal(pool.queueSize, 1, 'waits rather than join the abortable task');
    ac.abort();
    await assert.rejects(abortable, AbortError);
    for (const i of [1, 2, 3]) release(cells, i);
    const ids = await Promise.all([...others, third]);
    assert.equal(ids.length, 3);
    assert.equal(pool.queueSize, 0);
  } finally {
    for (let i = 0; i < 4; i++) release(cells, i);
    await pool.destroy();
  }
});

test('queueSize is exact: an aborted task waiting in a ring leaves it at once; 0 after a batch', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: sched, minThreads: 1, maxThreads: 1 });
  const cells = cellsOf(1);
  try {
    const head = pool.run({ cells, i: 0 }, { name: 'block' });
    const ac = new AbortController();
    const behind = pool.run(1, { name: 'echo', signal: ac.signal });
    const plain = pool.run(2, { name: 'echo' });
    assert.equal(pool.queueSize, 2);
    ac.abort();
    await assert.rejects(behind, AbortError);
    assert.equal(pool.queueSize, 1);
    release(cells, 0);
    await Promise.all([head, plain]);
    assert.equal(pool.queueSize, 0);
  } finally {
    release(cells, 0);
    await pool.destroy();
  }
  // Many tiny tasks on two workers (stealing between them): nothing counted once all finished.
  const two = new Piscina({ filename: sched, minThreads: 2, maxThreads: 2 });
  try {
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 3000 }, (_, i) => two.run(i, { name: 'echo' }).catch(() => 0)));
      assert.equal(two.queueSize, 0);
      assert.equal(two.needsDrain, false);
    }
  } finally {
    await two.destroy();
  }
});

test('a timer that outlives its task and asks for taskSignal() aborts no other task', { timeout: 60_000 }, async () => {
  const pool = new Piscina({ filename: sched, minThreads: 1, maxThreads: 1, concurrentTasksPerWorker: 4 });
  try {
    const results = await Promise.allSettled(Array.from({ length: 2000 }, () => pool.run(2, { name: 'lateSignal' })));
    const failed = results.filter((r) => r.status === 'rejected');
    assert.equal(failed.length, 0, String(failed[0] && (failed[0] as PromiseRejectedResult).reason));
  } finally {
    await pool.destroy();
  }
});

test('close() with two workers lets both finish their tasks', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: sched, minThreads: 2, maxThreads: 2 });
  const cells = cellsOf(2);
  try {
    // Both workers ready and running (two tasks that meet run on both at once).
    const met = cellsOf(2);
    await Promise.all([0, 1].map((me) => pool.run({ cells: met, me, other: 1 - me }, { name: 'meet' })));
    const runs = [0, 1].map((i) => pool.run({ cells, i }, { name: 'block' }));
    const closing = pool.close();
    release(cells, 1);
    await new Promise((r) => setTimeout(r, 20));
    release(cells, 0);
    const ids = await Promise.all(runs);
    assert.notEqual(ids[0], ids[1]);
    await closing;
  } finally {
    release(cells, 0);
    release(cells, 1);
    await pool.destroy();
  }
});

test('run() after destroy() is refused and starts no worker', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: sched, minThreads: 0, maxThreads: 2 });
  assert.equal(await pool.run(5, { name: 'echo' }).catch(() => 5), 5);
  await pool.destroy();
  await assert.rejects(pool.run(1, { name: 'echo' }), PoolClosedError);
  assert.equal(pool.threads.length, 0);
});

test('destroy() right after the pool starts stops its booting workers', { timeout: 30_000 }, async () => {
  for (let i = 0; i < 3; i++) {
    const pool = new Piscina({ filename: sched, minThreads: 4, maxThreads: 4 });
    const t = pool.run(1, { name: 'echo' }).catch((e: unknown) => e);
    await pool.destroy();
    assert.ok((await t) instanceof PoolClosedError);
    assert.equal(pool.threads.length, 0);
  }
});

test('an aborted abortable task takes its worker with it, started or not; create and destroy pair up', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: sched, minThreads: 2, maxThreads: 2 });
  let created = 0;
  let destroyed = 0;
  pool.on('workerCreate', () => created++);
  pool.on('workerDestroy', () => destroyed++);
  const gone = once(pool, 'workerDestroy');
  const ac = new AbortController();
  const task = pool.run(1, { name: 'echo', signal: ac.signal }).catch((e: unknown) => e);
  const other = pool.run(2, { name: 'echo' });
  ac.abort();
  assert.ok((await task) instanceof AbortError);
  await gone;
  assert.equal(await other, 2, 'the task on the other worker was not failed');
  await pool.close();
  assert.equal(created, 3);
  assert.equal(destroyed, 3);
});

test('threads leaves out a worker the pool is stopping, at once (as piscina removes it)', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: sched, minThreads: 2, maxThreads: 2 });
  const cells = cellsOf(1);
  try {
    const met = cellsOf(2);
    await Promise.all([0, 1].map((me) => pool.run({ cells: met, me, other: 1 - me }, { name: 'meet' })));
    const ac = new AbortController();
    const task = pool.run({ cells, i: 0 }, { name: 'block', signal: ac.signal }).catch((e: unknown) => e);
    assert.equal(pool.threads.length, 2);
    const gone = once(pool, 'workerDestroy');
    ac.abort();
    assert.equal(pool.threads.length, 1);
    assert.ok((await task) instanceof AbortError);
    await gone;
    assert.equal(pool.threads.length, 2, 'replaced');
  } finally {
    release(cells, 0);
    await pool.destroy();
  }
});
