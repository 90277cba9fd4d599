// A local Manager's dict served from a shared table (shared-dict.ts): Map semantics for keys and
// order, values as copies, growth while other threads read and write, a multi-process hammer
// checked against a seeded model, and a thread that dies holding the table's lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sabkit/atomics-sync';
import { Manager, type DictProxy, type NamespaceProxy } from '../src/manager/index.js';
import { LOCK } from '../src/manager/shared-dict-layout.js';
import { Pool } from '../src/pool/pool.js';
import { Process } from '../src/process/process.js';

test('shared-table dict: Map keys, insertion order, copies, growth, pop/setdefault/add', {
  timeout: 30_000,
}, async () => {
  await using m = new Manager();
  const d = m.dict<unknown, unknown>();
  assert.ok(d.table instanceof SharedArrayBuffer, "a local Manager's dict has a shared table");
  d.set(1, 'int').set('1', 'str').set(1n, 'big').set(true, 'bool').set(0, 'zero');
  d.set(-0, 'minus zero is zero');
  d.set(Number.NaN, 'nan');
  assert.equal(d.size, 6);
  assert.deepEqual(d.keys(), [1, '1', 1n, true, 0, Number.NaN]);
  assert.equal(d.get(0), 'minus zero is zero');
  assert.equal(d.get(Number.NaN), 'nan');
  assert.equal(d.get(1.5), undefined);
  assert.equal(d.get(1.5, 'dflt'), 'dflt');
  d.set('u', undefined);
  assert.equal(d.get('u', 'dflt'), undefined, 'a stored undefined is not a missing key');
  assert.equal(d.has('u'), true);
  // A longer value moves its bytes but keeps the key's place; delete + set moves it to the end.
  d.set(1, 'x'.repeat(5000));
  d.delete('1');
  d.set('1', 'again');
  assert.deepEqual(d.keys(), [1, 1n, true, 0, Number.NaN, 'u', '1']);
  assert.equal((d.get(1) as string).length, 5000);
  // Values are copies, both ways.
  const obj = { a: [1, 2], when: new Date(5), m: new Map([[1, 2]]) };
  d.set('obj', obj);
  obj.a.push(3);
  const back = d.get('obj') as typeof obj;
  assert.deepEqual(back, { a: [1, 2], when: new Date(5), m: new Map([[1, 2]]) });
  back.a.push(9);
  assert.deepEqual((d.get('obj') as typeof obj).a, [1, 2]);
  // Python's pop, setdefault, and the atomic add.
  assert.equal(d.pop('1'), 'again');
  assert.equal(d.pop('1', 7), 7);
  assert.throws(() => d.pop('1'), { name: 'KeyError' });
  assert.deepEqual(d.setdefault('sd', [1]), [1]);
  assert.deepEqual(d.setdefault('sd', [2]), [1]);
  assert.equal(d.add('n', 2), 2);
  assert.equal(d.add('n', 3), 5);
  assert.equal(d.add('big', 2n), 2n);
  // Growth: 20,000 keys and values of every size, then every one read back.
  for (let i = 0; i < 20_000; i++) d.set(`g${i}`, i % 97 === 0 ? 'y'.repeat(i % 3000) : i);
  for (let i = 0; i < 20_000; i++) assert.equal(d.get(`g${i}`), i % 97 === 0 ? 'y'.repeat(i % 3000) : i);
  for (let i = 0; i < 20_000; i += 2) d.delete(`g${i}`);
  assert.equal(d.items().filter(([k]) => String(k).startsWith('g')).length, 10_000);
  assert.equal(String(new Map([[1, 2]])), '[object Map]');
  d.clear();
  assert.equal(d.size, 0);
  assert.deepEqual(d.keys(), []);
  // A value whose getter uses the dict while it is being stored.
  d.set('k', 1);
  const tricky = {
    get x() {
      return d.get('k');
    },
  };
  d.set('t', tricky);
  assert.deepEqual(d.get('t'), { x: 1 });
  // The generic callMethod and the async forms reach the same table.
  assert.equal(d.callMethod('get', ['k']), 1);
  assert.equal(await d.getAsync('k'), 1);
  await d.setAsync('k', 2);
  assert.equal(d.get('k'), 2);
  assert.throws(() => d.callMethod('nope'), { name: 'NotExposedError' });
  // A Namespace is a table too: attributes by name, copy() an object, only its methods exposed.
  const ns = m.Namespace({ x: 1 });
  assert.ok(ns.table instanceof SharedArrayBuffer);
  const p = new Process({
    target: (ns: NamespaceProxy) => ns.set('y', (ns.get('x') as number) + 1),
    args: [ns],
  });
  p.start();
  await p.join();
  assert.equal(p.exitCode, 0);
  assert.deepEqual(ns.copy(), { x: 1, y: 2 });
  assert.equal(String(ns), 'Namespace(x=1, y=2)');
  assert.throws(() => ns.callMethod('add', ['x', 1]), { name: 'NotExposedError' });
  await m.shutdown();
  assert.throws(() => d.get('k'), { name: 'ClosedError' });
  assert.throws(() => ns.get('x'), { name: 'ClosedError' });
});

test('4 Processes and the main thread on one shared-table dict: a seeded model holds', {
  timeout: 60_000,
}, async () => {
  await using m = new Manager();
  const d = m.dict<string, unknown>([['n', 0]]);
  const N = 3000;
  // Each writer works on its own keys (checked against its own seeded model) and adds to the
  // common counter; the tables grow and rebuild while the others read and write.
  const work = async (me: number, n: number, d: DictProxy<string, unknown>) => {
    const assert: typeof import('node:assert/strict') = (await import('node:assert/strict')).default;
    let a = (me * 7919) >>> 0;
    const rand = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const model = new Map<string, unknown>();
    for (let i = 0; i < n; i++) {
      const key = `w${me}:${Math.floor(rand() * 200)}`;
      const r = rand();
      if (r < 0.5) {
        const v = r < 0.1 ? { i, pad: 'p'.repeat(Math.floor(rand() * 400)) } : i;
        d.set(key, v);
        model.set(key, v);
      } else if (r < 0.65) {
        assert.equal(d.delete(key), model.delete(key));
      } else {
        assert.deepEqual(d.get(key), model.get(key));
      }
      d.add('n', 1);
    }
    for (const [k, v] of model) assert.deepEqual(d.get(k), v, `w${me}: ${k}`);
    return model.size;
  };
  const procs = [1, 2, 3, 4].map((me) => new Process({ target: work, args: [me, N, d] }));
  for (const p of procs) p.start();
  const mine = await work(0, N, d);
  for (const p of procs) await p.join();
  assert.deepEqual(
    procs.map((p) => p.exitCode),
    [0, 0, 0, 0],
  );
  assert.equal(d.get('n'), 5 * N, 'no add lost');
  const keys = d.keys();
  assert.equal(keys.length, d.size);
  assert.equal(new Set(keys).size, keys.length, 'no key twice');
  assert.ok(keys.filter((k) => k.startsWith('w0:')).length === mine);
  // Pool tasks get the table with the proxy too.
  await using pool = new Pool(2);
  const viaTable = await pool
    .starmapAsync(
      (d: DictProxy<string, unknown>, i: number) => {
        d.add('n', i);
        return d.table instanceof SharedArrayBuffer;
      },
      Array.from({ length: 8 }, (_, i) => [d, i + 1] as [DictProxy<string, unknown>, number]),
    )
    .get();
  assert.deepEqual(viaTable, Array(8).fill(true));
  assert.equal(d.get('n'), 5 * N + 36);
});

test('a thread that died holding the lock: the next caller takes the lock over', { timeout: 30_000 }, async () => {
  await using m = new Manager();
  const d = m.dict<string, number>([['a', 1]]);
  const p = new Process({ target: () => {} });
  p.start();
  await p.join();
  const lock = new Int32Array(d.table as SharedArrayBuffer);
  Atomics.store(lock, LOCK, (p.pid as number) + 1);
  assert.equal(d.get('a'), 1, 'taken over from the dead thread');
  assert.equal(Atomics.load(lock, LOCK), 0, 'and released');
  // A writer terminated mid-loop: the others go on and the table stays readable.
  const running = new Value('i32', 0);
  for (let round = 0; round < 3; round++) {
    const w = new Process({
      target: (d: DictProxy<string, number>, running: Value<'i32'>) => {
        running.value = 1;
        for (let i = 0; ; i++) d.set(`x${i % 500}`, i);
      },
      args: [d, running],
    });
    running.value = 0;
    w.start();
    while (running.value === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    w.terminate();
    await w.join();
    d.set('after', round);
    assert.equal(d.get('after'), round);
    for (const k of d.keys()) assert.equal(typeof d.get(k), 'number');
  }
});
