// Piscina-compatible basics: task modules (ESM/CJS, default/named, sync/async, path/URL),
// results and errors across the boundary, transfers, sabkit objects arriving live, progress.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lock, Queue, Value, OwnerDeadError, registerErrorClass } from '@sabkit/atomics-sync';
import {
  Piscina,
  isWorkerThread,
  move,
  TaskModuleError,
  NotInTaskError,
  taskSignal,
  reportProgress,
} from '../src/index.js';
import { CodedError } from './fixtures/tasks.js';

const tasks = new URL('./fixtures/tasks.js', import.meta.url);
const fixture = (name: string) => new URL(`./fixtures/${name}.js`, import.meta.url);

function tmpModule(name: string, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sabkit-piscina-'));
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

test('README example: default export, file URL string, async and sync functions', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks.href });
  try {
    assert.equal(await pool.run({ a: 4, b: 6 }), 10);
    assert.equal(await pool.run(5, { name: 'sleep' }), 5);
    assert.deepEqual(await pool.run({ x: [1, 'two', { three: 3n }] }, { name: 'echo' }), {
      x: [1, 'two', { three: 3n }],
    });
    assert.equal(isWorkerThread, false);
  } finally {
    await pool.destroy();
  }
});

test('filename as a path, as a URL object, and per run; CommonJS modules with named handlers', {
  timeout: 30_000,
}, async () => {
  const cjs = tmpModule(
    'worker.cjs',
    `'use strict';
     function add({ a, b }) { return a + b; }
     function multiply({ a, b }) { return a * b; }
     add.add = add;
     add.multiply = multiply;
     module.exports = add;`,
  );
  const asyncCjs = tmpModule(
    'async.cjs',
    `module.exports = async ({ a, b }) => { await new Promise((r) => setTimeout(r, 5)); return a - b; };`,
  );
  const pool = new Piscina({ filename: fileURLToPath(tasks), maxThreads: 2 });
  try {
    assert.equal(await pool.run({ a: 1, b: 2 }), 3);
    const [sum, product, diff] = await Promise.all([
      pool.run({ a: 4, b: 6 }, { filename: cjs, name: 'add' }),
      pool.run({ a: 4, b: 6 }, { filename: cjs, name: 'multiply' }),
      pool.run({ a: 4, b: 6 }, { filename: new URL(`file://${asyncCjs}`) }),
    ]);
    assert.deepEqual([sum, product, diff], [10, 24, -2]);
    assert.equal(await pool.run({ a: 2, b: 3 }, { filename: cjs }), 5);
  } finally {
    await pool.destroy();
  }
});

test('a pool without a default filename needs one per run', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ maxThreads: 1 });
  try {
    await assert.rejects(pool.run(1), /filename must be provided to run\(\) or in options object/);
    assert.equal(await pool.run('x', { filename: tasks, name: 'echo' }), 'x');
  } finally {
    await pool.destroy();
  }
});

test('errors keep class, message, stack, code, cause and extra fields; the pool keeps working', {
  timeout: 30_000,
}, async () => {
  registerErrorClass(CodedError);
  const pool = new Piscina({ filename: tasks, maxThreads: 1 });
  try {
    const e = await pool.run('bad input', { name: 'fail' }).then(
      () => assert.fail('should reject'),
      (x: unknown) => x as CodedError,
    );
    assert.ok(e instanceof CodedError);
    assert.equal(e.message, 'bad input');
    assert.equal(e.code, 'E_CODED');
    assert.equal(e.detail, 42);
    assert.match(e.stack!, /fixtures[\\/]tasks\.js/);
    assert.ok(e.cause instanceof TypeError);
    assert.equal((e.cause as Error).message, 'the root cause');
    await assert.rejects(
      pool.run('async bad', { name: 'failAsync' }),
      (x: unknown) => x instanceof RangeError && x.message === 'async bad',
    );
    assert.equal(await pool.run({ a: 1, b: 1 }), 2);
  } finally {
    await pool.destroy();
  }
});

test('task modules that cannot be used fail their tasks quickly, saying why', { timeout: 30_000 }, async () => {
  const syntax = tmpModule('broken.mjs', 'export default (x) => { return x +; }');
  const pool = new Piscina({ filename: tasks, maxThreads: 1 });
  try {
    const cases: [Promise<unknown>, RegExp][] = [
      [
        pool.run(1, { filename: '/nonexistent/sabkit/module.js' }),
        /cannot load task module \/nonexistent\/sabkit\/module\.js: .*(Cannot find|ERR_MODULE_NOT_FOUND)/,
      ],
      [
        pool.run(1, { name: 'noSuchExport' }),
        /has no function export named "noSuchExport" \(found undefined; its exports: .*echo/,
      ],
      [pool.run(1, { name: 'notAFunction' }), /no function export named "notAFunction" \(found 42/],
      [pool.run(1, { filename: syntax }), /cannot load task module .*broken\.mjs: SyntaxError/],
      [
        pool.run(1, { filename: fixture('top-throw') }),
        /cannot load task module .*top-throw\.js: Error: this module refuses to load/,
      ],
    ];
    for (const [p, re] of cases) {
      await assert.rejects(
        p,
        (e: unknown) => e instanceof TaskModuleError && e.code === 'ERR_SABKIT_TASK_MODULE' && re.test(e.message),
      );
    }
    // The same bad export again fails at once, from the worker's cache; good tasks still run.
    await assert.rejects(pool.run(1, { name: 'noSuchExport' }), TaskModuleError);
    assert.equal(await pool.run(7, { name: 'echo' }), 7);
    // A pool whose default module is broken: its workers still start, and its tasks fail.
    const broken = new Piscina({ filename: fixture('top-throw'), maxThreads: 1 });
    try {
      await assert.rejects(broken.run(1), /this module refuses to load/);
      assert.equal(await broken.run(3, { filename: tasks, name: 'echo' }), 3);
    } finally {
      await broken.destroy();
    }
  } finally {
    await pool.destroy();
  }
});

test('a module exporting a Promise of its function (delaying availability)', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: fixture('delayed'), maxThreads: 1 });
  try {
    assert.equal(await pool.run(21), 42);
  } finally {
    await pool.destroy();
  }
});

test('move() transfers buffers both ways; transferList is honoured; unclonable values reject', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, maxThreads: 1 });
  try {
    const back = (await pool.run(1 << 20, { name: 'moveBuffer' })) as Uint8Array;
    assert.ok(back instanceof Uint8Array);
    assert.equal(back.byteLength, 1 << 20);
    assert.equal(back[12345], 7);
    const buf = new ArrayBuffer(4096);
    assert.equal(await pool.run(buf, { name: 'byteLength', transferList: [buf] }), 4096);
    assert.equal(buf.byteLength, 0, 'the buffer was transferred, not copied');
    const u8 = new Uint8Array(100);
    assert.equal(await pool.run(move(u8), { name: 'byteLength' }), 100);
    assert.equal(u8.byteLength, 0);
    assert.equal(Piscina.move, move);
    assert.throws(() => move({} as never), /move\(value\): value must be an ArrayBuffer/);
    // A primitive or null has nothing to transfer: returned as it is (piscina's move()).
    assert.equal(move(42), 42);
    assert.equal(move(null), null);
    assert.equal(move('s'), 's');
    await assert.rejects(
      pool.run(() => 1, { name: 'echo' }),
      /could not be cloned/,
    );
    await assert.rejects(pool.run(null, { name: 'returnsFunction' }), /could not be cloned/);
    // Big payloads (larger than a ring record may be) travel by port.
    const big = 'x'.repeat(200_000);
    assert.equal(await pool.run(big, { name: 'echo' }), big);
  } finally {
    await pool.destroy();
  }
});

test('sabkit objects in arguments and results arrive live over the same memory', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2 });
  try {
    const lock = new Lock();
    const counter = new Value('i32', 0);
    const n = 2000;
    const live = await Promise.all([0, 1, 2, 3].map(() => pool.run({ lock, counter, n }, { name: 'addUnderLock' })));
    assert.deepEqual(live, [true, true, true, true]);
    assert.equal(counter.value, 4 * n);
    const made = (await pool.run(5, { name: 'makeValue' })) as Value<'i32'>;
    assert.ok(made instanceof Value);
    assert.equal(made.value, 5);
    made.value = 6;
    assert.equal(await pool.run(made, { name: 'echo' }).then((v) => (v as Value<'i32'>).value), 6);
  } finally {
    await pool.destroy();
  }
});

test('typed arrays over shared memory stay shared, at the top level or nested, both ways', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1 });
  try {
    const top = new Float64Array(new SharedArrayBuffer(32));
    assert.equal(await pool.run(top, { name: 'fillViews' }), 1);
    assert.deepEqual([...top], [7, 7, 7, 7]);
    const a = new Float64Array(new SharedArrayBuffer(16));
    const b = new Int32Array(new SharedArrayBuffer(8));
    assert.equal(await pool.run({ views: [a], byName: new Map([['b', b]]) }, { name: 'fillViews' }), 2);
    assert.deepEqual([...a, ...b], [7, 7, 7, 7]);
    // A plain typed array is still copied (as by postMessage): the caller's stays untouched.
    const plain = new Float64Array(2);
    await pool.run(plain, { name: 'fillViews' });
    assert.deepEqual([...plain], [0, 0]);
    // Results too: a view over shared memory made in the worker comes back shared.
    const back = (await pool.run(top, { name: 'echo' })) as Float64Array;
    assert.ok(back.buffer instanceof SharedArrayBuffer);
    back[0] = 1;
    assert.equal(top[0], 1);
  } finally {
    await pool.destroy();
  }
});

test('structs, struct cells and queues arrive live too, in a fresh worker (kinds load in the background)', {
  timeout: 30_000,
}, async () => {
  const { struct } = await import('@sabkit/typed-struct');
  const P = struct({ id: 'u32', x: 'f64' }, { name: 'P' });
  const particles = P.array(3);
  for (let i = 0; i < 3; i++) particles.get(i).id = i;
  const cell = new Value(P as never);
  const queue = new Queue<string>();
  queue.put('hello');
  const pool = new Piscina({ filename: tasks, maxThreads: 1 });
  try {
    const kinds = await pool.run({ particles, cell, queue }, { name: 'touchShared' });
    assert.deepEqual(kinds, ['StructArray', 'Value', 'Queue']);
    assert.deepEqual(
      [0, 1, 2].map((i) => particles.get(i).id),
      [100, 101, 102],
    );
    assert.equal((cell.value as unknown as { x: number }).x, 7.5);
    assert.equal(await queue.getAsync({ timeout: 5000 }), 'worker saw hello');
  } finally {
    await pool.destroy();
  }
});

test('a lock held by a worker that dies is recovered (OwnerDeadError for the next owner)', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, maxThreads: 1 });
  try {
    const lock = new Lock();
    await assert.rejects(pool.run(lock, { name: 'dieHolding' }), { code: 'ERR_SABKIT_WORKER_CRASHED', exitCode: 9 });
    await assert.rejects(lock.acquireAsync(10_000), OwnerDeadError);
    lock.release();
  } finally {
    await pool.destroy();
  }
});

test('progress messages reach onProgress, in order, before the result', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks, maxThreads: 1 });
  try {
    const seen: unknown[] = [];
    const r = await pool.run(5, { name: 'progress', onProgress: (v) => seen.push(v) });
    assert.equal(r, 5);
    assert.deepEqual(
      seen,
      [1, 2, 3, 4, 5].map((step) => ({ step, of: 5 })),
    );
    const sync: unknown[] = [];
    assert.equal(await pool.run(300, { name: 'progressSync', onProgress: (v) => sync.push(v) }), 300);
    assert.deepEqual(
      sync,
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    // Without onProgress the task's reports are dropped.
    assert.equal(await pool.run(3, { name: 'progress' }), 3);
    assert.throws(() => taskSignal(), NotInTaskError);
    assert.throws(() => reportProgress(1), NotInTaskError);
  } finally {
    await pool.destroy();
  }
});

test('worker side: isWorkerThread, workerData, argv, env', { timeout: 30_000 }, async () => {
  const pool = new Piscina({
    filename: tasks,
    maxThreads: 1,
    workerData: { hello: 'world', n: [1, 2] },
    argv: ['--flag', 7],
    env: { SABKIT_TEST_ENV: 'yes' },
  });
  try {
    assert.deepEqual(await pool.run(null, { name: 'info' }).then((i) => ({ ...(i as object), threadId: 0 })), {
      isWorkerThread: true,
      workerData: { hello: 'world', n: [1, 2] },
      threadId: 0,
      argv: ['--flag', '7'],
      env: 'yes',
    });
  } finally {
    await pool.destroy();
  }
});

test('many tasks at once: every result arrives, in the right promise', { timeout: 60_000 }, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2 });
  try {
    const n = 20_000;
    const values = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? i : i % 3 === 1 ? `s${i}` : { i }));
    const out = await Promise.all(values.map((v) => pool.run(v, { name: 'echo' })));
    assert.deepEqual(out, values);
    assert.equal(pool.completed, n);
  } finally {
    await pool.destroy();
  }
});
