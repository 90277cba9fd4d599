// Events, properties and the pool's life (options: piscina-options.test.ts): maxQueue and drain, close while busy,
// destroy, worker recycling, idle workers, custom task queues, concurrency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Value } from '@sabkit/atomics-sync';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Piscina,
  ArrayTaskQueue,
  PoolClosedError,
  QueueFullError,
  AbortError,
  queueOptionsSymbol,
  type Task,
  type TaskQueue,
} from '../src/index.js';

const tasks = new URL('./fixtures/tasks.js', import.meta.url);

test('properties: threads, completed, duration, histogram, utilization, queueSize; events: workerCreate, message', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2 });
  try {
    const created = once(pool, 'workerCreate');
    const message = once(pool, 'message');
    // A task keeps the process alive while the event comes (an idle pool does not).
    const first = pool.run({ a: 0, b: 0 });
    const [w] = await created;
    assert.equal(await first, 0);
    assert.equal(typeof (w as { threadId: number }).threadId, 'number');
    assert.equal(pool.threads.length, 2);
    await Promise.all(Array.from({ length: 200 }, (_, i) => pool.run(2, { name: 'sleep' }).then(() => i)));
    await pool.run({ hello: 'main' }, { name: 'post' });
    assert.deepEqual((await message)[0], { hello: 'main' });
    assert.equal(pool.completed, 202);
    const { runTime, waitTime } = pool.histogram;
    assert.ok(
      runTime.p50 >= 1.5 && runTime.min <= runTime.p50 && runTime.p50 <= runTime.p99 && runTime.p99 <= runTime.max,
      JSON.stringify(runTime),
    );
    assert.ok(waitTime.max > 0 && waitTime.mean >= 0);
    assert.equal(runTime.average, runTime.mean);
    assert.ok(pool.utilization > 0 && pool.utilization <= 1, String(pool.utilization));
    assert.ok(pool.duration > 0);
    assert.equal(pool.queueSize, 0);
    assert.equal(pool.idleThreads, 2);
    pool.histogram.resetRunTime();
    assert.equal(pool.histogram.runTime.max, 0);
    assert.equal(Piscina.isWorkerThread, false);
    assert.equal(typeof Piscina.version, 'string');
  } finally {
    await pool.destroy();
  }
});

test('maxQueue: tasks beyond it reject with QueueFullError; needsDrain and drain mark the pressure', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, maxQueue: 3 });
  try {
    let needs = 0;
    pool.on('needsDrain', () => needs++);
    const drained = once(pool, 'drain');
    const running = [pool.run(100, { name: 'sleep' })];
    for (let i = 0; i < 3; i++) running.push(pool.run(1, { name: 'sleep' }));
    assert.equal(pool.queueSize, 3);
    assert.equal(pool.needsDrain, true);
    await assert.rejects(
      pool.run(1, { name: 'sleep' }),
      (e: unknown) => e instanceof QueueFullError && e.message === 'Task queue is at limit',
    );
    await Promise.all(running);
    await drained;
    assert.equal(needs, 1);
    assert.equal(pool.needsDrain, false);
  } finally {
    await pool.destroy();
  }
  const none = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, maxQueue: 0 });
  try {
    const first = none.run(50, { name: 'sleep' });
    await assert.rejects(none.run(1, { name: 'sleep' }), /No task queue available and all Workers are busy/);
    assert.equal(await first, 50);
  } finally {
    await none.destroy();
  }
});

test('README backpressure: pause on a full queue, resume on drain, every item processed', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2, maxQueue: 'auto' });
  try {
    const total = 300;
    let next = 0;
    let done = 0;
    let pauses = 0;
    await new Promise<void>((resolve, reject) => {
      const feed = (): void => {
        while (next < total) {
          pool.run(next++, { name: 'echo' }).then(() => {
            if (++done === total) resolve();
          }, reject);
          if (pool.queueSize === pool.options.maxQueue) {
            pauses++;
            return; // paused until 'drain'
          }
        }
      };
      pool.on('drain', feed);
      feed();
    });
    assert.equal(done, total);
    assert.ok(pauses > 0, 'the queue filled at least once');
  } finally {
    await pool.destroy();
  }
});

test('close() while busy: running and queued tasks finish, new ones are refused, workers stop', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1 });
  const runs = [pool.run(50, { name: 'sleep' }), pool.run(1, { name: 'sleep' }), pool.run(2, { name: 'sleep' })];
  const closed = once(pool, 'close');
  const closing = pool.close();
  // piscina's rejection of a task submitted while closing: AbortError, cause 'queue is being terminated'.
  await assert.rejects(
    pool.run(1, { name: 'echo' }),
    (e: unknown) => e instanceof AbortError && e.cause === 'queue is being terminated',
  );
  assert.deepEqual(await Promise.all(runs), [50, 1, 2]);
  await closing;
  await closed;
  assert.equal(pool.threads.length, 0);
});

test('close({ force: true }): tasks not started reject with AbortError, the running one finishes', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1 });
  const started = new Value('i32', 0);
  const head = pool.run({ ms: 100, started }, { name: 'sleepStarted' });
  while (started.value === 0) await new Promise((r) => setTimeout(r, 2));
  const rest = Array.from({ length: 5 }, (_, i) => pool.run(i, { name: 'echo' }).catch((e: unknown) => e));
  const closing = pool.close({ force: true });
  for (const e of await Promise.all(rest)) assert.ok(e instanceof AbortError, String(e));
  assert.equal(await head, 100);
  await closing;
  await assert.rejects(pool.close({ force: 'yes' as never }), /^TypeError: force argument must be a boolean$/);
});

test('close() waits at most closeTimeout, then reports CloseTimeoutError and destroys', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, closeTimeout: 50 });
  const errors: unknown[] = [];
  pool.on('error', (e) => errors.push(e));
  const stuck = pool.run(null, { name: 'runaway' }).catch((e: unknown) => e);
  await pool.close();
  assert.ok((await stuck) instanceof PoolClosedError);
  assert.equal((errors[0] as Error).message, 'Close operation timed out');
});

test('destroy() rejects everything pending and stops the workers', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2 });
  const runs = [
    pool.run(null, { name: 'runaway' }),
    pool.run(10_000, { name: 'sleep' }),
    ...Array.from({ length: 20 }, (_, i) => pool.run(i, { name: 'sleep' })),
  ];
  const settled = Promise.allSettled(runs);
  await pool.destroy();
  for (const r of await settled)
    assert.ok(
      r.status === 'rejected' &&
        r.reason instanceof PoolClosedError &&
        r.reason.message === 'Terminating worker thread',
    );
  assert.equal(pool.threads.length, 0);
  await assert.rejects(pool.run(1, { name: 'echo' }), PoolClosedError);
  // A pool destroyed while its workers are still starting.
  const fresh = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2 });
  await fresh.destroy();
  assert.equal(fresh.threads.length, 0);
});

test('maxTasksPerWorker recycles workers; no task is lost', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, maxTasksPerWorker: 5 });
  try {
    const ids = [];
    for (let i = 0; i < 17; i++) ids.push(await pool.run(null, { name: 'threadIdOf' }));
    const distinct = [...new Set(ids)];
    assert.equal(distinct.length, 4);
    for (const id of distinct) assert.ok(ids.filter((x) => x === id).length <= 5);
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => pool.run(i, { name: 'echo' })));
    assert.deepEqual(
      burst,
      Array.from({ length: 40 }, (_, i) => i),
    );
  } finally {
    await pool.destroy();
  }
});

test('maxWorkerHeapMB recycles a worker whose heap grew past the limit', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, maxWorkerHeapMB: 40 });
  try {
    const first = await pool.run(4, { name: 'retain' });
    let id = first;
    for (let i = 0; i < 40 && id === first; i++) {
      await pool.run(8, { name: 'retain' });
      await new Promise((r) => setTimeout(r, 10));
      id = await pool.run(0, { name: 'retain' });
    }
    assert.notEqual(id, first, 'the worker was replaced');
  } finally {
    await pool.destroy();
  }
});

test('idleTimeout: workers above minThreads stop when idle; Infinity keeps them', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 3, idleTimeout: 20 });
  try {
    let created = 0;
    pool.on('workerCreate', () => created++);
    await Promise.all(Array.from({ length: 6 }, () => pool.run(50, { name: 'sleep' })));
    assert.ok(created > 1, 'the pool grew under load');
    const deadline = Date.now() + 10_000;
    while (pool.threads.length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(pool.threads.length, 1);
  } finally {
    await pool.destroy();
  }
  const keep = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 3, idleTimeout: Infinity });
  try {
    await Promise.all(Array.from({ length: 6 }, () => keep.run(50, { name: 'sleep' })));
    const grown = keep.threads.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(keep.threads.length, grown);
  } finally {
    await keep.destroy();
  }
});

test('concurrentTasksPerWorker runs async tasks side by side in one worker', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, concurrentTasksPerWorker: 10 });
  try {
    const ids = await Promise.all(
      Array.from({ length: 10 }, () =>
        pool.run(100, { name: 'sleep' }).then(() => pool.run(null, { name: 'threadIdOf' })),
      ),
    );
    assert.equal(new Set(ids).size, 1);
    // 10 sleeps of 100 ms overlapped: the histogram's run times stayed near 100 ms each, and the
    // total stayed far below 10 x 100 ms (checked through the histogram, not a wall clock).
    assert.equal(pool.completed, 20);
  } finally {
    await pool.destroy();
  }
});

test('a custom task queue decides the order (README: priority queue via queueOptionsSymbol)', {
  timeout: 30_000,
}, async () => {
  class PriorityQueue implements TaskQueue {
    readonly items: Task[] = [];
    get size(): number {
      return this.items.length;
    }
    push(task: Task): void {
      this.items.push(task);
      this.items.sort(
        (a, b) =>
          ((b[queueOptionsSymbol] as { priority: number } | null)?.priority ?? 0) -
          ((a[queueOptionsSymbol] as { priority: number } | null)?.priority ?? 0),
      );
    }
    shift(): Task | null {
      return this.items.shift() ?? null;
    }
    remove(task: Task): void {
      const i = this.items.indexOf(task);
      if (i >= 0) this.items.splice(i, 1);
    }
  }
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, taskQueue: new PriorityQueue() });
  try {
    const order: number[] = [];
    const started = new Value('i32', 0);
    const head = pool.run({ ms: 50, started }, { name: 'sleepStarted' });
    while (started.value === 0) await new Promise((r) => setTimeout(r, 2));
    const runs = [1, 5, 3].map((p) =>
      pool
        .run({ p, [queueOptionsSymbol]: { priority: p } }, { name: 'echo' })
        .then((v) => order.push((v as { p: number }).p)),
    );
    await head;
    await Promise.all(runs);
    assert.deepEqual(order, [5, 3, 1]);
    assert.equal((pool.options.taskQueue as PriorityQueue).items.length, 0);
  } finally {
    await pool.destroy();
  }
  const arr = new ArrayTaskQueue();
  const fake = { [queueOptionsSymbol]: null } as Task;
  arr.push(fake);
  arr.remove(fake);
  assert.equal(arr.size, 0);
});

test('an idle pool never keeps the process alive; a busy one, or one being destroyed, does until done', {
  timeout: 60_000,
}, () => {
  const child = fileURLToPath(new URL('./fixtures/exit-child.js', import.meta.url));
  for (const mode of ['idle', 'busy', 'destroy']) {
    const r = spawnSync(process.execPath, [child, mode], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.signal, null, `${mode}: the process did not exit by itself (killed by the time limit)`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), { idle: 'result 3', busy: 'result 300', destroy: 'destroyed' }[mode]);
  }
});

test('a pool with nothing to do lets the process exit only once its workers have loaded the task module', {
  timeout: 60_000,
}, () => {
  // At exit Node terminates the process's workers, and one terminated while it loads a module can
  // abort the whole process. The child makes a pool whose task module takes 300 ms to load and
  // does nothing else: both workers must finish that load (each writes its thread id to the
  // marker file at the end of the module's top level) before the process exits, by itself.
  const child = fileURLToPath(new URL('./fixtures/exit-child.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'sabkit-exit-'));
  try {
    const marker = join(dir, 'loaded');
    const r = spawnSync(process.execPath, [child, 'booting'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, SABKIT_TEST_MARKER: marker },
    });
    assert.equal(r.signal, null, 'the process did not exit by itself (killed by the time limit, or aborted)');
    assert.equal(r.status, 0, r.stderr);
    const ids = existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n') : [];
    assert.equal(ids.length, 2, `workers that finished loading before the exit: ${ids.length} of 2`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
