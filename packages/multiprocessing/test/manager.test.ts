// Manager: managed dict, list and namespace used through proxies from the main thread and from
// Processes at once; Python's errors; shutdown; oversize messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lock } from '@sabkit/atomics-sync';
import { Manager, pyRepr, type DictProxy, type ListProxy } from '../src/manager/index.js';
import { Process } from '../src/process/process.js';

test('a managed dict: Map-style methods, Python errors, Python printing', { timeout: 20_000 }, async () => {
  await using manager = new Manager();
  const d = manager.dict<unknown, unknown>([[1, 'one']]);
  assert.equal(d.get(1), 'one');
  assert.equal(d.get(2), undefined);
  assert.equal(d.get(2, 'dflt'), 'dflt');
  d.set('1', 'string key').set(0.25, null);
  assert.equal(d.size, 3);
  assert.equal(d.has(1) && d.has('1') && !d.has(true), true);
  assert.deepEqual(d.keys(), [1, '1', 0.25]);
  assert.deepEqual(d.values(), ['one', 'string key', null]);
  assert.deepEqual(d.items(), [
    [1, 'one'],
    ['1', 'string key'],
    [0.25, null],
  ]);
  assert.deepEqual([...d], [1, '1', 0.25]);
  assert.equal(String(d), "{1: 'one', '1': 'string key', 0.25: None}");
  assert.equal(d.pop('1'), 'string key');
  assert.equal(d.pop('zz', 7), 7);
  assert.throws(() => d.pop('zz'), { name: 'KeyError', code: 'ERR_SABKIT_KEY' });
  assert.deepEqual(d.setdefault('k', [1, 2]), [1, 2]);
  assert.deepEqual(d.setdefault('k', 'other'), [1, 2]);
  d.update({ a: 1, b: true });
  d.update(new Map([[9n, new Date(0)]]));
  assert.ok(d.get(9n) instanceof Date);
  assert.equal(d.delete('a'), true);
  assert.ok(d.copy() instanceof Map);
  d.clear();
  assert.equal(d.size, 0);
});

test('a managed list and namespace: Python semantics for indices, sort, remove', { timeout: 20_000 }, async () => {
  await using manager = new Manager();
  const l = manager.list([3, 10, 2]);
  l.append(1);
  l.extend([20, 5]);
  l.insert(0, 100);
  l.insert(-100, -1);
  assert.deepEqual(l.copy(), [-1, 100, 3, 10, 2, 1, 20, 5]);
  assert.equal(l.get(-1), 5);
  assert.throws(() => l.get(8), { name: 'IndexError' });
  l.set(-2, 21);
  assert.equal(l.pop(), 5);
  assert.equal(l.pop(0), -1);
  l.sort();
  assert.deepEqual(l.copy(), [1, 2, 3, 10, 21, 100], 'numeric order, not JavaScript string order');
  l.sort({ reverse: true });
  l.reverse();
  assert.equal(l.index(10), 3);
  assert.equal(l.count(3), 1);
  l.remove(3);
  assert.throws(() => l.remove(3), { code: 'ERR_SABKIT_INVALID_ARGUMENT', message: /x not in list/ });
  assert.deepEqual(l.slice(1, 3), [2, 10]);
  assert.equal(l.length, 5);
  assert.equal(String(l), '[1, 2, 10, 21, 100]');
  l.clear();
  assert.throws(() => l.pop(), { name: 'IndexError', message: /pop from empty list/ });

  const ns = manager.Namespace({ x: 1 });
  ns.set('y', 'why');
  assert.equal(ns.get('x'), 1);
  assert.deepEqual(ns.keys(), ['x', 'y']);
  assert.equal(String(ns), "Namespace(x=1, y='why')");
  assert.equal(pyRepr([true, false, null, "it's", new Set()]), `[True, False, None, "it's", set()]`);
});

test('processes change managed objects through proxies: no update is lost', { timeout: 30_000 }, async () => {
  await using manager = new Manager();
  const l = manager.list<number>();
  const counts = manager.dict<string, number>([['n', 0]]);
  const lock = manager.Lock();
  const N = 150;
  const work = (me: number, n: number, l: ListProxy<number>, counts: DictProxy<string, number>, lock: Lock) => {
    for (let i = 0; i < n; i++) {
      l.append(me * 1000 + i);
      lock.acquire();
      try {
        counts.set('n', (counts.get('n') as number) + 1);
      } finally {
        lock.release();
      }
    }
  };
  const procs = [1, 2, 3].map((me) => new Process({ target: work, args: [me, N, l, counts, lock] }));
  for (const p of procs) p.start();
  // The main thread uses the same list at the same time.
  for (let i = 0; i < N; i++) l.append(i);
  for (const p of procs) await p.join();
  assert.deepEqual(
    procs.map((p) => p.exitCode),
    [0, 0, 0],
  );
  assert.equal(counts.get('n'), 3 * N);
  const all = l.copy();
  assert.equal(all.length, 4 * N);
  for (const me of [0, 1, 2, 3]) {
    const mine = all.filter((x) => Math.floor(x / 1000) === me);
    assert.deepEqual(
      mine,
      Array.from({ length: N }, (_, i) => me * 1000 + i),
      `the appends of ${me} arrive whole and in order`,
    );
  }
});

test('shutdown makes proxies fail with ClosedError; oversize messages are refused', { timeout: 20_000 }, async () => {
  const manager = new Manager({ channelBytes: 4096 });
  const l = manager.list<string>();
  assert.throws(() => l.append('x'.repeat(10_000)), { name: 'PayloadTooLargeError', message: /larger channelBytes/ });
  for (let i = 0; i < 5; i++) l.append('y'.repeat(1000));
  assert.throws(() => l.copy(), { name: 'PayloadTooLargeError', message: /the answer takes/ });
  assert.equal(l.length, 5, 'the channel still works after refusing both');
  await manager.shutdown();
  assert.throws(() => l.length, { name: 'ClosedError', message: /shut down/ });
  assert.throws(() => new Manager({ channelBytes: 10 }), { code: 'ERR_SABKIT_INVALID_ARGUMENT' });
});
