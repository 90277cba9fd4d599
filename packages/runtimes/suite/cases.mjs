// The cross-runtime cases: every primitive between threads, Queue and Pipe carrying objects,
// Piscina, Pool.map with a module and an inline task, Process, Manager. The same file runs on
// Node, Bun and Deno (run-cross.mjs). Each case is bounded by the runner; blocking calls run in
// workers, the main thread uses the ...Async forms.
import assert from 'node:assert/strict';
import { Piscina } from '@sabkit/piscina';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  Manager,
  Pipe,
  Pool,
  Process,
  Queue,
  RLock,
  Semaphore,
  Array as SharedArray,
  Value,
} from '@sabkit/multiprocessing';
import { struct } from '@sabkit/typed-struct';

const tasks = new URL('./tasks.mjs', import.meta.url);
const tsTasks = new URL('./tasks-ts.ts', import.meta.url);

/** Why this runtime cannot load a .ts module, or undefined if it can. */
function noTypeScript() {
  if (globalThis.Bun || globalThis.Deno) return undefined;
  if (process.features?.typescript) return undefined; // Node 22.6+ type stripping (on by default from 23.6)
  if (process.execArgv.some((a) => /tsx/.test(a))) return undefined;
  return `node ${process.version} loads no .ts module without a loader (run with --import tsx)`;
}
const objects = [
  { id: 1, name: `é ünïcode ${'x'.repeat(60)}`, tags: ['a', 'b'], when: new Date(0) },
  new Map([[1, { deep: [1, 2, 3] }]]),
  new Set(['a', 'b']),
  [1.5, -0, null, true, 'ok', new Float64Array([1, 2])],
];

async function withPool(n, fn) {
  const pool = new Pool(n);
  try {
    return await fn(pool);
  } finally {
    await pool.close();
    await pool.join();
  }
}

export const cases = {
  async 'Lock and Value: 2 workers x 2000 locked increments'() {
    const lock = new Lock();
    const v = new Value('i', 0, { lock: false });
    await withPool(2, (pool) =>
      Promise.all(
        [0, 1].map(() =>
          pool.apply(
            (l, c, n) => {
              for (let i = 0; i < n; i++) {
                l.acquire();
                c.value = c.value + 1;
                l.release();
              }
            },
            [lock, v, 2000],
          ),
        ),
      ),
    );
    assert.equal(v.value, 4000);
  },
  async 'RLock: re-entered in a worker, taken by main after'() {
    const r = new RLock();
    await withPool(1, (pool) =>
      pool.apply(
        (rl) => {
          rl.acquire();
          rl.acquire();
          rl.release();
          rl.release();
        },
        [r],
      ),
    );
    assert.equal(await r.acquireAsync({ timeout: 1000 }), true);
    r.release();
  },
  async 'Semaphore and BoundedSemaphore: main takes, a worker releases'() {
    const s = new Semaphore(2);
    const b = new BoundedSemaphore(1);
    assert.equal(await s.acquireAsync({ timeout: 1000 }), true);
    assert.equal(await s.acquireAsync({ timeout: 1000 }), true);
    assert.equal(await s.acquireAsync({ timeout: 0 }), false);
    assert.equal(await b.acquireAsync({ timeout: 1000 }), true);
    await withPool(1, (pool) =>
      pool.apply(
        (x, y) => {
          x.release();
          x.release();
          y.release();
        },
        [s, b],
      ),
    );
    assert.throws(() => b.release());
    assert.equal(await s.acquireAsync({ timeout: 1000 }), true);
  },
  async 'Event, Condition and Barrier between main and a worker'() {
    const ev = new Event();
    const cond = new Condition();
    const flag = new Value('i', 0, { lock: false });
    const bar = new Barrier(2);
    await withPool(1, async (pool) => {
      const done = pool.apply(
        (e, c, f, b) => {
          b.wait(5000);
          c.acquire();
          f.value = 1;
          c.notifyAll();
          c.release();
          e.set();
          return 'ok';
        },
        [ev, cond, flag, bar],
      );
      await bar.waitAsync({ timeout: 5000 });
      assert.equal(await ev.waitAsync({ timeout: 5000 }), true);
      assert.equal(await done, 'ok');
    });
    assert.equal(flag.value, 1);
  },
  async 'Array cells and typed-struct records written by workers'() {
    const arr = new SharedArray('d', 8, { lock: false });
    const P = struct({ x: 'f64', n: 'u32' }, { name: 'CrossP' });
    const ps = P.array(4);
    await withPool(2, (pool) =>
      pool.map(
        (args) => {
          const [a, i] = args;
          a.set(i, i * 1.5);
          return i;
        },
        [...Array(8).keys()].map((i) => [arr, i]),
      ),
    );
    assert.deepEqual(
      [...arr],
      [...Array(8).keys()].map((i) => i * 1.5),
    );
    ps.get(2).x = 2.5;
    const got = await withPool(1, (pool) => pool.apply((s) => s.get(2).x, [ps]));
    assert.equal(got, 2.5);
  },
  async 'Queue carries objects between a Process and main'() {
    const q = new Queue();
    const toWorker = new Queue();
    const back = new Queue();
    const p = new Process({
      target: (queue, inbox, reply, items) => {
        for (const it of items) queue.put(it);
        reply.put({ echoed: inbox.get(5000) });
      },
      args: [q, toWorker, back, objects],
    });
    p.start();
    for (const o of objects) assert.deepEqual(await q.getAsync({ timeout: 10_000 }), o);
    await toWorker.putAsync({ back: 'é'.repeat(50) });
    assert.deepEqual(await back.getAsync({ timeout: 10_000 }), { echoed: { back: 'é'.repeat(50) } });
    await p.join({ timeout: 10_000 });
    assert.equal(p.exitCode, 0);
  },
  async 'Queue and Pipe carry numbers, strings and bytes'() {
    const items = [
      1,
      -2.5,
      'ascii',
      'é日本',
      2n ** 40n,
      true,
      null,
      new Uint8Array([1, 2, 3]),
      new Float64Array([0.5]),
    ];
    const q = new Queue();
    const [a, b] = Pipe();
    const p = new Process({
      target: (queue, conn, n) => {
        for (let i = 0; i < n; i++) conn.send(queue.get(5000));
      },
      args: [q, b, items.length],
    });
    p.start();
    for (const x of items) await q.putAsync(x);
    for (const x of items) assert.deepEqual(await a.recvAsync({ timeout: 10_000 }), x);
    await p.join({ timeout: 10_000 });
  },
  async 'Pipe carries objects both ways'() {
    const [a, b] = Pipe();
    const p = new Process({
      target: (conn) => {
        const got = conn.recv(5000);
        conn.send({ got, extra: new Map([['k', [1, 2]]]) });
      },
      args: [b],
    });
    p.start();
    await a.sendAsync(objects[0]);
    assert.deepEqual(await a.recvAsync({ timeout: 10_000 }), { got: objects[0], extra: new Map([['k', [1, 2]]]) });
    await p.join({ timeout: 10_000 });
  },
  async 'Piscina runs a module task with objects and rejects a failing one'() {
    const pool = new Piscina({ filename: tasks.href, maxThreads: 2 });
    try {
      for (const o of objects) assert.deepEqual(await pool.run(o), o);
      await assert.rejects(pool.run('boom', { name: 'fail' }), (e) => e instanceof Error && /boom/.test(e.message));
      assert.equal(await pool.run(7, { name: 'square' }), 49);
    } finally {
      await pool.destroy();
    }
  },
  async 'Pool.map with a module task and an inline function'() {
    await withPool(2, async (pool) => {
      const byModule = await pool.map(new URL('#square', tasks), [1, 2, 3, 4]);
      assert.deepEqual(byModule, [1, 4, 9, 16]);
      const inline = await pool.map((x) => ({ x, s: String(x) }), [1, 2, 3]);
      assert.deepEqual(
        inline,
        [1, 2, 3].map((x) => ({ x, s: String(x) })),
      );
    });
  },
  async 'Process runs an inline target and reports its exit code'() {
    const v = new Value('i', 0);
    const ok = new Process({
      target: (c) => {
        c.value = 42;
      },
      args: [v],
    });
    ok.start();
    await ok.join({ timeout: 10_000 });
    assert.equal(ok.exitCode, 0);
    assert.equal(v.value, 42);
    const bad = new Process({
      target: () => {
        throw new Error('x');
      },
    });
    bad.start();
    await bad.join({ timeout: 10_000 });
    assert.equal(bad.exitCode, 1);
  },
  async 'TypeScript module tasks in Piscina, Pool and Process'() {
    const why = noTypeScript();
    if (why) return `skip: ${why}`;
    const pi = new Piscina({ filename: tsTasks.href, name: 'cube' });
    try {
      assert.equal(await pi.run(3), 27);
    } finally {
      await pi.destroy();
    }
    await withPool(1, async (pool) => assert.deepEqual(await pool.map(new URL('#cube', tsTasks), [2, 3]), [8, 27]));
    const p = new Process({ target: new URL('#cube', tsTasks), args: [2] });
    p.start();
    await p.join({ timeout: 10_000 });
    assert.equal(p.exitCode, 0);
  },
  async 'Manager dict shared with a Process'() {
    const m = new Manager();
    try {
      const d = m.dict();
      const p = new Process({
        target: (dd) => {
          dd.set('a', { n: 1 });
        },
        args: [d],
      });
      p.start();
      await p.join({ timeout: 10_000 });
      assert.deepEqual(d.get('a'), { n: 1 });
    } finally {
      await m.shutdown();
    }
  },
};
