// Crashes: a worker that exits, throws outside a task, or runs out of memory fails the task it
// was running with a named error carrying the exit code, is replaced, and leaves every other task
// alone. A worker that fails while starting gives a clear error and is not restarted in a loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Piscina, WorkerCrashError, WorkerStartError } from '../src/index.js';

const tasks = new URL('./fixtures/tasks.js', import.meta.url);
const fixture = (name: string) => new URL(`./fixtures/${name}.js`, import.meta.url);

async function crashLeavesOthersAlone(
  crash: string,
  arg: unknown,
  check: (e: WorkerCrashError) => void,
  extra = {},
): Promise<void> {
  const pool = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2, ...extra });
  try {
    const created: unknown[] = [];
    const destroyed: unknown[] = [];
    pool.on('workerCreate', (w) => created.push(w));
    pool.on('workerDestroy', (w) => destroyed.push(w));
    const before = Promise.all(Array.from({ length: 50 }, (_, i) => pool.run(i, { name: 'echo' })));
    const slow = pool.run(200, { name: 'sleep' });
    const crashing = pool.run(arg, { name: crash });
    const after = Promise.all(Array.from({ length: 50 }, (_, i) => pool.run(`after ${i}`, { name: 'echo' })));
    const e = await crashing.then(
      () => assert.fail('the crashing task resolved'),
      (x: unknown) => x as WorkerCrashError,
    );
    assert.ok(e instanceof WorkerCrashError, `expected WorkerCrashError, got ${e}`);
    assert.equal(e.code, 'ERR_SABKIT_WORKER_CRASHED');
    assert.equal(typeof e.threadId, 'number');
    check(e);
    assert.deepEqual(
      await before,
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(await slow, 200);
    assert.deepEqual(
      await after,
      Array.from({ length: 50 }, (_, i) => `after ${i}`),
    );
    // Replaced: the pool is back to two workers and runs tasks.
    assert.equal(await pool.run({ a: 1, b: 2 }), 3);
    assert.equal(destroyed.length, 1);
    assert.equal(pool.threads.length, 2);
  } finally {
    await pool.destroy();
  }
}

test('process.exit() in a task: WorkerCrashError with its exit code', { timeout: 30_000 }, async () => {
  await crashLeavesOthersAlone('exit', 7, (e) => {
    assert.equal(e.exitCode, 7);
    assert.match(e.message, /worker exited with code: 7 \(thread \d+\) while running the task/);
  });
});

test('an uncaught exception while a task runs: exit code 1, the exception as cause', { timeout: 30_000 }, async () => {
  await crashLeavesOthersAlone('uncaught', null, (e) => {
    assert.equal(e.exitCode, 1);
    assert.ok(e.cause instanceof Error);
    assert.equal((e.cause as Error).message, 'thrown from a timer');
  });
});

test('out of memory mid-task (resourceLimits): exit code 1, ERR_WORKER_OUT_OF_MEMORY as cause', {
  timeout: 60_000,
}, async () => {
  await crashLeavesOthersAlone(
    'oom',
    null,
    (e) => {
      assert.equal(e.exitCode, 1);
      assert.equal((e.cause as { code?: string }).code, 'ERR_WORKER_OUT_OF_MEMORY');
    },
    { resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } },
  );
});

test('an uncaught error in a worker that runs no task is an error event; the worker is replaced', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, atomics: 'async' });
  try {
    const error = once(pool, 'error');
    // An idle pool does not keep the process alive (by design), so the test does while it waits.
    const keepAlive = setInterval(() => {}, 1000);
    assert.equal(await pool.run(5, { name: 'throwLater' }), 'returned');
    const [e] = await error.finally(() => clearInterval(keepAlive));
    assert.equal((e as Error).message, 'thrown after the task returned');
    assert.equal(await pool.run({ a: 2, b: 5 }), 7);
  } finally {
    await pool.destroy();
  }
});

test('a worker that fails while starting: WorkerStartError with the exit code, and no restart loop', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: fixture('top-exit'), minThreads: 2, maxThreads: 4 });
  let spawned = 0;
  pool.on('workerDestroy', () => spawned++);
  try {
    const runs = Array.from({ length: 5 }, (_, i) => pool.run(i));
    for (const r of runs) {
      await assert.rejects(
        r,
        (e: unknown) =>
          e instanceof WorkerStartError && e.exitCode === 3 && /exited with code 3 before it was ready/.test(e.message),
      );
    }
    // Nothing restarts by itself: wait a moment and count.
    const seen = spawned;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(pool.threads.length, 0);
    assert.equal(spawned, seen);
    // New work makes one new attempt, which fails the same way.
    await assert.rejects(pool.run(1), WorkerStartError);
    assert.equal(pool.threads.length, 0);
  } finally {
    await pool.destroy();
  }
});

test('a worker Node refuses to create (bad execArgv): the constructor throws WorkerStartError', {
  timeout: 30_000,
}, () => {
  assert.throws(
    () => new Piscina({ filename: tasks, minThreads: 1, execArgv: ['--no-such-node-flag'] }),
    (e: unknown) =>
      e instanceof WorkerStartError && e.exitCode === undefined && /cannot start a pool worker/.test(e.message),
  );
});

test('an error that is its own cause rejects its task (npm piscina hangs on it), and the pool goes on', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks.href, maxThreads: 1 });
  try {
    await assert.rejects(pool.run(null, { name: 'selfCause' }), (e: Error & { cause?: unknown }) => {
      // The chain is cut where it loops, never followed for ever.
      let depth = 0;
      for (let c: unknown = e; c instanceof Error && depth < 100; c = (c as { cause?: unknown }).cause) depth++;
      return e.message === 'I caused myself' && depth < 100;
    });
    assert.equal(await pool.run({ a: 1, b: 2 }), 3);
  } finally {
    await pool.destroy();
  }
});

test('a result main cannot revive rejects its own task; the process and the pool go on', {
  timeout: 30_000,
}, async () => {
  // Thrown from the poller, the revive error took the whole process down (an uncaught exception).
  const pool = new Piscina({ filename: tasks.href, maxThreads: 1 });
  try {
    const results = await Promise.allSettled([
      pool.run({ a: 1, b: 1 }),
      pool.run(null, { name: 'badDescriptor' }),
      pool.run({ a: 2, b: 2 }),
    ]);
    assert.deepEqual(results[0], { status: 'fulfilled', value: 2 });
    assert.equal(results[1].status, 'rejected');
    assert.match(String((results[1] as PromiseRejectedResult).reason), /byteOffset/);
    assert.deepEqual(results[2], { status: 'fulfilled', value: 4 });
    assert.equal(await pool.run({ a: 3, b: 4 }), 7);
  } finally {
    await pool.destroy();
  }
});
