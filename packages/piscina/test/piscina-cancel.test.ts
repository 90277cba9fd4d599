// Cancellation and timeouts: abort before and during a run, signals the task itself observes,
// timeouts counted from the task's start, and what happens to the worker afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { Value } from '@sabkit/atomics-sync';
import { Piscina, AbortError, TaskTimeoutError, WorkerCrashError } from '../src/index.js';

const tasks = new URL('./fixtures/tasks.js', import.meta.url);

/** Waits (bounded) until a task sets its `started` flag. */
async function started(flag: Value<'i32'>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (flag.value === 0) {
    if (Date.now() > deadline) throw new Error('the task did not start');
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('README: abort with an AbortController before the task runs', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, maxThreads: 1 });
  try {
    const ac = new AbortController();
    const task = pool.run({ a: 4, b: 6 }, { signal: ac.signal });
    ac.abort();
    await assert.rejects(
      task,
      (e: unknown) => e instanceof AbortError && e.name === 'AbortError' && e.message === 'The task has been aborted',
    );
    // Already aborted when submitted: rejected at once, with the reason as cause.
    const reason = new Error('not wanted');
    await assert.rejects(
      pool.run(1, { name: 'echo', signal: AbortSignal.abort(reason) }),
      (e: unknown) => e instanceof AbortError && e.cause === reason,
    );
    assert.equal(await pool.run({ a: 1, b: 1 }), 2);
  } finally {
    await pool.destroy();
  }
});

test('README: an EventEmitter that emits abort works as a signal', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, maxThreads: 1 });
  try {
    const ee = new EventEmitter();
    const task = pool.run({ a: 4, b: 6 }, { signal: ee });
    ee.emit('abort');
    await assert.rejects(task, AbortError);
    assert.equal(ee.listenerCount('abort'), 0);
  } finally {
    await pool.destroy();
  }
});

test('a task aborted while its worker still loads what it needs is skipped, never started', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1 });
  try {
    // A sabkit object in the argument: the fresh worker may first have to register its kind.
    const flag = new Value('i32', 0);
    const ac = new AbortController();
    const run = pool.run(flag, { name: 'waitForAbort', signal: ac.signal });
    ac.abort();
    await assert.rejects(run, AbortError);
    assert.equal(await pool.run(5, { name: 'echo' }), 5);
    // Either it never started (skipped) or it started and saw the abort: never half of it.
    assert.ok(flag.value === 0 || flag.value === 2, `flag ${flag.value}`);
  } finally {
    await pool.destroy();
  }
});

test('aborting queued tasks removes them; the others run; no worker is lost', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1 });
  try {
    const destroyed: unknown[] = [];
    pool.on('workerDestroy', (w) => destroyed.push(w));
    const blocker = pool.run(50, { name: 'sleep' });
    const controllers = Array.from({ length: 20 }, () => new AbortController());
    const runs = controllers.map((ac, i) => pool.run(i, { name: 'echo', signal: ac.signal }));
    for (let i = 0; i < 20; i += 2) controllers[i].abort();
    const settled = await Promise.allSettled(runs);
    settled.forEach((s, i) => {
      if (i % 2 === 0) assert.ok(s.status === 'rejected' && s.reason instanceof AbortError, `task ${i} aborted`);
      else assert.deepEqual(s, { status: 'fulfilled', value: i });
    });
    assert.equal(await blocker, 50);
    assert.equal(pool.threads.length, 1);
    assert.equal(destroyed.length, 0, 'no worker was stopped');
  } finally {
    await pool.destroy();
  }
});

test('abort during a run: a task polling taskSignal() sees it without an event-loop turn, and its worker survives', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1 });
  try {
    const [first] = pool.threads;
    const ac = new AbortController();
    const events: string[] = [];
    pool.on('workerDestroy', () => events.push('destroy'));
    const flag = new Value('i32', 0);
    const run = pool.run({ ms: 20_000, started: flag }, { name: 'spinUntilAborted', signal: ac.signal });
    await started(flag);
    ac.abort();
    await assert.rejects(run, AbortError);
    // The worker answers for the abandoned task (freeing its slot), then takes new work.
    assert.equal(await pool.run({ a: 2, b: 2 }), 4);
    assert.equal(pool.threads[0], first, 'the same worker kept running');
    assert.deepEqual(events, []);
  } finally {
    await pool.destroy();
  }
});

test('abort during a run: an async task gets the abort event on its taskSignal()', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, concurrentTasksPerWorker: 2 });
  try {
    const flag = new Value('i32', 0);
    const ac = new AbortController();
    const run = pool.run(flag, { name: 'waitForAbort', signal: ac.signal });
    // An abortable task does not share its worker (piscina's rule): this one waits for it.
    const after = pool.run(9, { name: 'echo' });
    await started(flag);
    assert.equal(pool.queueSize, 1);
    ac.abort();
    await assert.rejects(run, AbortError);
    const deadline = Date.now() + 10_000;
    while (flag.value !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    assert.equal(flag.value, 2, "the task's abort listener ran in the worker");
    assert.equal(await after, 9);
  } finally {
    await pool.destroy();
  }
});

test('abort during a run of a task that cannot observe it terminates and replaces its worker', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1 });
  try {
    const [first] = pool.threads;
    const ac = new AbortController();
    const flag = new Value('i32', 0);
    const run = pool.run(flag, { name: 'runaway', signal: ac.signal });
    const queued = pool.run('after', { name: 'echo' });
    await started(flag);
    const destroyed = once(pool, 'workerDestroy');
    ac.abort();
    await assert.rejects(run, AbortError);
    await destroyed;
    // The task queued behind it never started: it runs on the replacement.
    assert.equal(await queued, 'after');
    assert.notEqual(pool.threads[0], first);
  } finally {
    await pool.destroy();
  }
});

test('timeouts: per run and pool-wide, counted from the start, with TaskTimeoutError', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, taskTimeout: 60_000 });
  try {
    // A queued task's clock does not run while it waits behind a 300 ms task.
    const head = pool.run(1000, { name: 'sleep' });
    const waiting = pool.run(1, { name: 'sleep', timeout: 500 });
    assert.equal(await head, 1000);
    assert.equal(await waiting, 1);
    // A task that overruns: rejected, and its signal aborts with TaskTimeoutError inside the worker.
    await assert.rejects(
      pool.run({ ms: 20_000 }, { name: 'spinUntilAborted', timeout: 30 }),
      (e: unknown) => e instanceof TaskTimeoutError && e.timeout === 30 && e.code === 'ERR_SABKIT_TASK_TIMEOUT',
    );
    // A runaway task times out too; its worker is replaced.
    await assert.rejects(pool.run(null, { name: 'runaway', timeout: 30 }), TaskTimeoutError);
    assert.equal(await pool.run({ a: 3, b: 4 }), 7);
    // The pool-wide default.
    const strict = new Piscina({ filename: tasks, maxThreads: 1, taskTimeout: 20 });
    try {
      await assert.rejects(strict.run(null, { name: 'runaway' }), TaskTimeoutError);
      assert.equal(await strict.run(1, { name: 'sleep', timeout: Infinity }), 1);
    } finally {
      await strict.destroy();
    }
  } finally {
    await pool.destroy();
  }
});

test('a cancelled task that asked for its signal but ignores it is stopped after abortGraceMs', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, abortGraceMs: 50 });
  try {
    const [first] = pool.threads;
    const destroyed = once(pool, 'workerDestroy');
    await assert.rejects(pool.run(null, { name: 'observeThenIgnore', timeout: 10 }), TaskTimeoutError);
    const [w] = await destroyed;
    assert.equal((w as { worker: unknown }).worker, first);
    assert.equal(await pool.run(1, { name: 'echo' }), 1);
  } finally {
    await pool.destroy();
  }
});

test('run() validates its options', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, maxThreads: 1 });
  try {
    // piscina's checks with piscina's TypeError and message; sabkit's own name the value.
    const bad: [unknown, RegExp][] = [
      [null, /^options must be an object$/],
      [{ timeout: -1 }, /timeout must be a non-negative number/],
      [{ signal: 42 }, /^signal argument must be an object$/],
      [{ signal: {} }, /signal must be an AbortSignal or an EventEmitter/],
      [{ transferList: 'x' }, /^transferList argument must be an Array$/],
      [{ onProgress: 'x' }, /onProgress must be a function/],
      [{ name: 3 }, /^name argument must be a string$/],
      [{ filename: 3 }, /^filename argument must be a string$/],
      [{ filename: '' }, /must be an absolute path, a file URL or a URL/],
    ];
    for (const [opts, re] of bad)
      await assert.rejects(
        pool.run(1, opts as never),
        (e: unknown) =>
          e instanceof TypeError &&
          (e as { code?: string }).code === 'ERR_SABKIT_INVALID_ARGUMENT' &&
          re.test((e as Error).message),
        JSON.stringify(opts),
      );
    // Only own properties are options: one inherited from a prototype is not.
    const inherited = Object.assign(Object.create({ transferList: 5, timeout: -1, filename: 7 }), { name: 'echo' });
    assert.equal(await pool.run(1, inherited), 1);
    assert.ok(WorkerCrashError);
  } finally {
    await pool.destroy();
  }
});
