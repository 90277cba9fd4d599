// atomics-sync's Value and SharedArray hold typed-struct records (Python's Value(Point) and
// Array(Point, n)) through the StructTypeLike contract, in this thread and in a worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { SharedArray, Value } from '@sabkit/atomics-sync';
import { StructType, type InstanceOf } from '../src/index.js';
import { Particle } from './fixtures/types.js';

type P = InstanceOf<typeof Particle>;

test('Value(Particle) and SharedArray(Particle, n) hold live records', { timeout: 10_000 }, () => {
  const v = new Value(Particle, { id: 3, name: 'v' });
  const rec = v.value;
  assert.ok(Particle.is(rec));
  assert.equal(rec.id, 3);
  assert.equal(rec.name, 'v');
  rec.pos.x = 1.5;
  v.value = { id: 4 }; // copies the named fields, under the cell's lock
  assert.equal(v.value.id, 4);
  assert.equal(v.value.pos.x, 1.5);
  const again = Value.from<typeof Particle>(structuredClone(v));
  assert.equal(again.value.pos.x, 1.5);
  assert.equal(again.structType, Particle, 'the rebuilt struct type is the known one');

  const a = new SharedArray(Particle, 3);
  a.get(1).name = 'one';
  a.set(2, { id: 9 });
  // Nested plain objects are copied in too (the cast: atomics-sync types struct inits as Partial<record>).
  a.set(0, { pos: { x: 2 } as P['pos'] });
  const b = SharedArray.from<typeof Particle>(structuredClone(a));
  assert.equal(b.get(1).name, 'one');
  assert.equal(b.get(2).id, 9);
  assert.equal(b.get(0).pos.x, 2);
  assert.equal(StructType.fromSchema(a.struct!.schema), Particle);
});

test('struct cells revive in a worker', { timeout: 30_000 }, async () => {
  const v = new Value(Particle, { id: 10 });
  const a = new SharedArray(Particle, 3);
  const w = new Worker(new URL('./fixtures/struct-worker.js', import.meta.url), {
    workerData: { mode: 'cells', v, a },
  });
  try {
    const [msg] = await Promise.race([
      once(w, 'message'),
      once(w, 'error').then(([e]) => {
        throw e;
      }),
    ]);
    assert.deepEqual(msg, { done: true, live: true, sameType: true });
  } finally {
    await w.terminate();
  }
  assert.equal(v.value.id, 11);
  assert.equal(v.value.name, 'cell');
  assert.equal(a.get(1).tags[0], 8);
  assert.equal(a.get(2).id, 77);
});
