// Struct fields updated from several workers at once: atomics lose no update, and per-record
// locks make plain read-modify-writes safe. Structs revive in workers by the sabkit protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { Account, Counter, Particle } from './fixtures/types.js';

const fixture = new URL('./fixtures/struct-worker.js', import.meta.url);

async function waitFor(w: Worker, key: string): Promise<Record<string, unknown>> {
  for (;;) {
    const [msg] = (await Promise.race([
      once(w, 'message'),
      once(w, 'error').then(([e]) => {
        throw e;
      }),
    ])) as [Record<string, unknown>];
    if (msg[key]) return msg;
  }
}

test('workers updating fields with atomics and under record locks lose no update', { timeout: 60_000 }, async () => {
  const W = 3;
  const iterations = 4_000;
  const lockIterations = 2_000;
  const counters = Counter.array(4);
  const accounts = Account.array(2);
  const gate = new SharedArrayBuffer(4);
  const workers: Worker[] = [];
  try {
    for (let id = 0; id < W; id++) {
      workers.push(
        new Worker(fixture, {
          workerData: { mode: 'hammer', counters, accounts, gate, id, iterations, lockIterations },
        }),
      );
    }
    await Promise.all(workers.map((w) => waitFor(w, 'ready')));
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    await Promise.all(workers.map((w) => waitFor(w, 'done')));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const n = W * iterations;
  const idSum = BigInt((W * (W + 1)) / 2);
  for (const c of counters) {
    assert.equal(c.hits, n);
    assert.equal(c.total, BigInt(iterations) * idSum);
    assert.equal(c.down, -n);
    assert.equal(c.bits, (1 << W) - 1);
    assert.equal(c.small, n & 0xffff);
    assert.equal(c.ucas, 3n * BigInt(n));
    assert.equal(c.stats.count, n);
  }
  const ops = accounts.column('ops').toArray();
  assert.equal(
    ops.reduce((a, b) => a + b, 0),
    W * lockIterations,
  );
  assert.equal(
    accounts
      .column('balance')
      .toArray()
      .reduce((a, b) => a + b, 0),
    0.5 * W * lockIterations,
  );
  const logs = [...accounts].map((a) => [...a.log]);
  for (let k = 0; k < 4; k++) {
    const writers = Array.from({ length: W }, (_, id) => id).filter((id) => id % 4 === k).length;
    assert.equal(logs[0][k] + logs[1][k], writers * lockIterations, `log[${k}]`);
  }
  assert.equal(accounts.get(0).mu.locked() || accounts.get(1).mu.locked(), false);
});

test('structs, nested views and StructArrays revive in a worker over the same memory', {
  timeout: 30_000,
}, async () => {
  const p = Particle.create({ id: 1, name: 'main' });
  const p2 = Particle.create();
  const arr = Particle.array(3);
  arr.get(0).name = 'zero';
  const wrappedArr = Particle.array(2);
  const copy = Particle.view(new ArrayBuffer(Particle.byteLength));
  copy.id = 55;
  const w = new Worker(fixture, { workerData: { mode: 'revive', p2 } });
  try {
    await waitFor(w, 'ready');
    w.postMessage({ p, arr, nested: p.pos, wrapped: { list: [p], map: new Map([['k', wrappedArr]]) }, copy });
    const report = await waitFor(w, 'live');
    assert.equal(report.wrongType, 'ERR_SABKIT_REVIVE');
    assert.equal(report.copyId, 55);
    assert.equal(report.sameBuffer, false);
    assert.deepEqual(report.names, ['', '']);
  } finally {
    await w.terminate();
  }
  assert.equal(p.id, 1001);
  assert.equal(p.name, 'from worker');
  assert.equal(p.pos.z, -7);
  assert.equal(p.vel.x, 5);
  assert.equal(p2.tags[1], 99);
  assert.deepEqual(arr.column('pos.x').toArray(), [42, 42, 42]);
  assert.equal(arr.get(0).name, 'zero');
  assert.equal(wrappedArr.get(1).alive, true);
  assert.equal(copy.id, 55, 'an ArrayBuffer record is copied, not shared');
});
