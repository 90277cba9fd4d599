// piscina's options that shape where and how tasks run: loadBalancer (custom-balancer.ts),
// workerHistogram and the PoolWorker objects (public-worker.ts), niceIncrement (worker/nice.ts),
// and the 'Piscina.Task' async resource every task is (task.ts). No timing assertions: each test
// either completes or fails on its time bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { readlinkSync, mkdtempSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Piscina, AbortError, type BalancedWorker, type PoolWorker } from '../src/index.js';

const tasks = new URL('./fixtures/tasks.js', import.meta.url);

test('a custom loadBalancer chooses the worker of every task; null keeps a task queued until it is offered again', {
  timeout: 30_000,
}, async () => {
  const seen: BalancedWorker[][] = [];
  let refusals = 2;
  const pool = new Piscina({
    filename: tasks,
    minThreads: 2,
    maxThreads: 2,
    loadBalancer(task, workers) {
      assert.equal(typeof task.taskId, 'number');
      assert.equal(task.isAbortable, false);
      seen.push(workers);
      if (refusals > 0) {
        refusals--;
        return null; // offered again when a worker is ready or frees up
      }
      return workers[workers.length - 1]; // always the newest worker, busy or not
    },
  });
  try {
    const ids = await Promise.all(Array.from({ length: 20 }, () => pool.run(null, { name: 'threadIdOf' })));
    assert.equal(new Set(ids).size, 1, 'every task ran where the balancer put it');
    assert.equal(ids[0], seen.at(-1)?.at(-1)?.id);
    assert.ok(seen.length >= 22, 'asked once per task, and again for each refusal');
    assert.ok(seen.every((ws) => ws.length === 2));
    assert.notEqual(seen[0], seen[1], 'a fresh array each call');
    assert.equal(seen[0][0], seen[1][0], 'the same object for the same worker');
  } finally {
    await pool.destroy();
  }
});

test('a loadBalancer that throws fails that task; one returning a stranger leaves it queued', {
  timeout: 30_000,
}, async () => {
  let mode: 'throw' | 'stranger' | 'ok' = 'ok';
  const pool = new Piscina({
    filename: tasks,
    minThreads: 1,
    maxThreads: 1,
    loadBalancer(_task, workers) {
      if (mode === 'throw') throw new RangeError('no worker for you');
      if (mode === 'stranger') return { ...workers[0] };
      return workers[0];
    },
  });
  try {
    const sleeping = pool.run(50, { name: 'sleep' });
    mode = 'throw';
    await assert.rejects(pool.run({ a: 1, b: 2 }), { name: 'RangeError', message: 'no worker for you' });
    mode = 'stranger';
    const refused = pool.run({ a: 2, b: 3 });
    assert.equal(pool.queueSize, 1);
    mode = 'ok';
    const next = pool.run({ a: 3, b: 4 });
    // Both are offered again when the sleeping task's worker frees up.
    assert.deepEqual(await Promise.all([sleeping, refused, next]), [50, 5, 7]);
  } finally {
    await pool.destroy();
  }
});

test('PoolWorker objects: an aborted task destroys its worker, and the object kept from before shows it', {
  timeout: 30_000,
}, async () => {
  let first: BalancedWorker[] | undefined;
  const pool = new Piscina({
    filename: tasks,
    minThreads: 2,
    maxThreads: 2,
    loadBalancer(task, workers) {
      first ??= workers;
      const free = workers.find((w) => w.currentUsage === 0);
      return task.isAbortable ? workers[0] : (free ?? null);
    },
  });
  const created: PoolWorker[] = [];
  const destroyed: PoolWorker[] = [];
  pool.on('workerCreate', (w) => created.push(w));
  pool.on('workerDestroy', (w) => destroyed.push(w));
  try {
    const ac = new AbortController();
    const spinning = pool.run(60_000, { name: 'spin', signal: ac.signal });
    const others = Array.from({ length: 4 }, (_, i) => pool.run({ a: i, b: 1 }));
    assert.ok(first !== undefined);
    const victim = first[0];
    assert.equal(victim.isRunningAbortableTask, true);
    assert.equal(
      victim.currentUsage,
      Number.POSITIVE_INFINITY,
      'piscina counts a worker running an abortable task full',
    );
    assert.equal(victim.destroyed, false);
    ac.abort();
    await assert.rejects(spinning, AbortError);
    assert.equal(victim.destroyed, true, 'destroyed as soon as the pool stops it');
    assert.equal(victim.terminating, false);
    assert.deepEqual(await Promise.all(others), [1, 2, 3, 4]);
    while (destroyed.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(destroyed[0], victim, "'workerDestroy' carries the same object");
    assert.ok(created.includes(victim as PoolWorker));
    assert.equal(victim.histogram, null, 'no histogram unless workerHistogram');
  } finally {
    await pool.destroy();
  }
});

test('workerHistogram: each worker keeps a run-time summary, seen by the balancer and in the events', {
  timeout: 30_000,
}, async () => {
  let last: BalancedWorker[] = [];
  const pool = new Piscina({
    filename: tasks,
    minThreads: 1,
    maxThreads: 1,
    workerHistogram: true,
    loadBalancer(_task, workers) {
      last = workers;
      return workers[0].currentUsage === 0 ? workers[0] : null;
    },
  });
  const created: PoolWorker[] = [];
  pool.on('workerCreate', (w) => created.push(w));
  try {
    await Promise.all([3, 1, 2].map((ms) => pool.run(ms, { name: 'sleep' })));
    const h = last[0].histogram as Record<string, number>;
    for (const key of ['average', 'mean', 'stddev', 'min', 'max', 'p50', 'p99'])
      assert.equal(typeof h[key], 'number', key);
    assert.ok(h.max >= h.min && h.min > 0, 'three tasks recorded');
    assert.deepEqual(Object.keys(created[0].histogram ?? {}).sort(), Object.keys(h).sort());
  } finally {
    await pool.destroy();
  }
});

const threadNice = (): number => getPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()));

test("niceIncrement raises the worker thread's nice value, not the main thread's (Linux)", {
  timeout: 30_000,
  skip: process.platform !== 'linux',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sabkit-nice-'));
  const file = join(dir, 'nice.cjs');
  writeFileSync(
    file,
    "const tid = () => Number(require('fs').readlinkSync('/proc/thread-self').split('/').pop());\n" +
      "module.exports = () => require('os').getPriority(tid());\n",
  );
  const before = threadNice();
  const nice = new Piscina({ filename: file, minThreads: 1, maxThreads: 1, niceIncrement: 3 });
  const plain = new Piscina({ filename: file, minThreads: 1, maxThreads: 1 });
  try {
    assert.equal(await nice.run(null), Math.min(before + 3, 19));
    assert.equal(await plain.run(null), before);
    assert.equal(threadNice(), before, "the main thread's is unchanged");
  } finally {
    await Promise.all([nice.destroy(), plain.destroy()]);
  }
});

test("every task is an async resource 'Piscina.Task' that settles its promise in its own scope", {
  timeout: 30_000,
}, async () => {
  const inits: number[] = [];
  const entered = new Map<number, number>();
  const destroyed = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'Piscina.Task') inits.push(id);
    },
    before(id) {
      if (inits.includes(id)) entered.set(id, (entered.get(id) ?? 0) + 1);
    },
    destroy(id) {
      if (inits.includes(id)) destroyed.add(id);
    },
  });
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1 });
  hook.enable();
  try {
    const results = await Promise.allSettled([pool.run({ a: 1, b: 1 }), pool.run('boom', { name: 'fail' })]);
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[1].status, 'rejected');
    // Destroy hooks run from a queue Node empties in a later turn.
    for (let i = 0; i < 3 && inits.some((id) => !destroyed.has(id)); i++) await new Promise((r) => setImmediate(r));
  } finally {
    hook.disable();
    await pool.destroy();
  }
  assert.equal(inits.length, 2, 'one per task');
  for (const id of inits) {
    assert.equal(entered.get(id), 1, 'entered once, to settle');
    assert.ok(destroyed.has(id), 'destroyed once settled');
  }
});
