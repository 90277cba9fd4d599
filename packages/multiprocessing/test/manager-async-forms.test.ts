// The manager's async forms on Node (the only forms a browser's page has: docs/runtimes.md gap 4):
// the factories (dictAsync ... createAsync, numberOfObjectsAsync), releaseAsync / Event setAsync,
// and a local Manager's shared-table dict through its async forms, hammered together with the
// sync forms of 2 Process workers under one Lock (exact counts). The same objects as the sync
// forms make: a Process sees them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Manager, SyncManager } from '../src/manager/index.js';
import { Process } from '../src/process/process.js';

test('SyncManager async factories make the objects the sync ones do', { timeout: 60_000 }, async () => {
  await using s = new SyncManager();
  await s.start();
  const d = await s.dictAsync({ a: 1 });
  const l = await s.listAsync([1, 2]);
  const ns = await s.NamespaceAsync({ k: 'v' });
  const q = await s.QueueAsync<number>();
  const lock = await s.LockAsync();
  const sem = await s.SemaphoreAsync(2);
  const ev = await s.EventAsync();
  const v = await s.ValueAsync('i', 3);
  const arr = await s.ArrayAsync('d', [0.5, 1.5]);
  const cond = await s.ConditionAsync();
  assert.equal(await d.getAsync('a'), 1);
  assert.deepEqual(await l.copyAsync(), [1, 2]);
  assert.equal(await ns.getAsync('k'), 'v');
  await q.putAsync(7);
  assert.equal(q.get(1000), 7);
  assert.equal(await lock.acquireAsync(1000), true);
  assert.equal(lock.locked(), true);
  await lock.releaseAsync();
  assert.equal(lock.locked(), false);
  assert.equal(await sem.acquireAsync(0), true);
  await sem.releaseAsync(1);
  assert.equal(sem.getValue(), 2);
  assert.equal(await ev.isSetAsync(), false);
  await ev.setAsync();
  assert.equal(await ev.waitAsync(0), true);
  await ev.clearAsync();
  assert.equal(ev.isSet(), false);
  assert.equal(await v.getAsync(), 3);
  assert.deepEqual(arr.callMethod('copy'), [0.5, 1.5]);
  assert.equal(await cond.acquireAsync(1000), true);
  assert.equal(await cond.notifyAllAsync(), 0);
  await cond.releaseAsync();
  assert.equal(await s.numberOfObjectsAsync(), s.numberOfObjects());
  assert.equal(await s.numberOfObjectsAsync(), 10);
  const c = await s.createAsync('dict', [['x', 2]]);
  assert.equal(c.callMethod('get', ['x']), 2);
  await assert.rejects(s.createAsync('nope'), /not registered/);
});

test('a local Manager dict: the main thread async, 2 Processes sync, one Lock, exact counts', {
  timeout: 60_000,
}, async () => {
  await using m = new Manager();
  const d = await m.dictAsync<string, number>({ n: 0 });
  const lock = m.Lock();
  const N = 300;
  const target = (
    d: { get(k: string): number; set(k: string, v: number): void; add(k: string, x: number): number },
    lock: { acquire(): boolean; release(): void },
    n: number,
  ) => {
    for (let i = 0; i < n; i++) {
      lock.acquire();
      try {
        d.set('n', d.get('n') + 1);
      } finally {
        lock.release();
      }
      d.add('a', 1);
    }
  };
  const ps = [0, 1].map(() => new Process({ target, args: [d, lock, N] }));
  for (const p of ps) p.start();
  for (let i = 0; i < N; i++) {
    await lock.acquireAsync();
    try {
      await d.setAsync('n', ((await d.getAsync('n')) as number) + 1);
    } finally {
      lock.release();
    }
    await d.addAsync('a', 1);
  }
  for (const p of ps) await p.join(30_000);
  assert.deepEqual(
    ps.map((p) => p.exitCode),
    [0, 0],
  );
  assert.deepEqual([await d.getAsync('n'), await d.getAsync('a')], [3 * N, 3 * N]);
  await d.callMethodAsync('update', [
    [
      ['u', 1],
      ['w', 2],
    ],
  ]);
  assert.equal(await d.sizeAsync(), 4);
  const ns = await m.NamespaceAsync({ k: 1 });
  assert.equal(ns.get('k'), 1);
});
