// Unit tests of the building blocks: the SPSC byte ring (wrap-around, fullness, a two-thread
// hammer with seeded sizes), the histogram, the deadline heap, and the FIFO queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { codec } from '@sabkit/atomics-sync';
import { bindCodec } from '../src/dispatch/codec-link.js';
import { RingReader, RingWriter, align8 } from '../src/dispatch/ring.js';
import { REQ_HEADER, WRITE_FULL, writeRecord, readPayload, recordSlot } from '../src/dispatch/wire.js';
import { Histogram } from '../src/engine/histogram.js';
import { Deadlines } from '../src/engine/deadlines.js';
import { FixedQueue, type Task } from '../src/engine/task-queue.js';
import { queueOptionsSymbol } from '../src/index.js';
import { mulberry32 } from './prng.js';

bindCodec(codec);

const CAP = 1024;
function ring(): { i32: Int32Array; u8: Uint8Array; w: RingWriter; r: RingReader } {
  const sab = new SharedArrayBuffer(64 + CAP);
  const i32 = new Int32Array(sab);
  return { i32, u8: new Uint8Array(sab), w: new RingWriter(i32, 0, 1, 64, CAP), r: new RingReader(i32, 0, 1, 64, CAP) };
}

test('ring: records come out in order, across wrap-around, and a full ring refuses', () => {
  const { i32, u8, w, r } = ring();
  const rand = mulberry32(7);
  let written = 0;
  let read = 0;
  for (let round = 0; round < 2000; round++) {
    const value = rand() < 0.5 ? written : 'x'.repeat(Math.floor(rand() * 120));
    const off = writeRecord(w, i32, u8, REQ_HEADER, 1, written, value);
    if (off === WRITE_FULL) {
      // Full: drain everything, then it must fit.
      w.publish();
      for (let o = r.peek(); o >= 0; o = r.peek()) {
        assert.equal(recordSlot(i32, o), read++);
        readPayload(i32, u8, o, REQ_HEADER);
        r.advance(i32[o >> 2]);
      }
      r.release();
      assert.ok(writeRecord(w, i32, u8, REQ_HEADER, 1, written, value) >= 0);
    }
    written++;
    if (rand() < 0.3) w.publish();
  }
  w.publish();
  for (let o = r.peek(); o >= 0; o = r.peek()) {
    assert.equal(recordSlot(i32, o), read++);
    r.advance(i32[o >> 2]);
  }
  assert.equal(read, written);
  assert.equal(align8(13), 16);
});

test('ring: a producer and a consumer thread, 200k records of seeded sizes, nothing lost or reordered', {
  timeout: 60_000,
}, async () => {
  const sab = new SharedArrayBuffer(64 + CAP);
  const ringUrl = new URL('../src/dispatch/ring.js', import.meta.url).href;
  const wireUrl = new URL('../src/dispatch/wire.js', import.meta.url).href;
  const linkUrl = new URL('../src/dispatch/codec-link.js', import.meta.url).href;
  const n = 200_000;
  const src = `
    const { workerData, parentPort } = require('node:worker_threads');
    (async () => {
      const { RingWriter } = await import(${JSON.stringify(ringUrl)});
      const { writeRecord, REQ_HEADER, WRITE_FULL } = await import(${JSON.stringify(wireUrl)});
      const { bindCodec } = await import(${JSON.stringify(linkUrl)});
      bindCodec((await import('@sabkit/atomics-sync')).codec);
      const i32 = new Int32Array(workerData.sab), u8 = new Uint8Array(workerData.sab);
      const w = new RingWriter(i32, 0, 1, 64, ${CAP});
      let seed = 99;
      const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
      for (let k = 0; k < ${n}; k++) {
        const v = rnd() < 0.5 ? k : 'y'.repeat(k % 200);
        while (writeRecord(w, i32, u8, REQ_HEADER, 1, k, v) === WRITE_FULL) {
          w.publish();
          Atomics.wait(i32, 8, 0, 0.05);
        }
        if ((k & 7) === 0) w.publish();
      }
      w.publish();
      parentPort.postMessage('done');
    })();`;
  const worker = new Worker(src, { eval: true, workerData: { sab } });
  try {
    const i32 = new Int32Array(sab);
    const u8 = new Uint8Array(sab);
    const r = new RingReader(i32, 0, 1, 64, CAP);
    let next = 0;
    while (next < n) {
      const o = r.peek();
      if (o < 0) {
        r.release(); // the writer may be waiting for the room of the records read so far
        await new Promise((res) => setImmediate(res));
        continue;
      }
      assert.equal(recordSlot(i32, o), next);
      const v = readPayload(i32, u8, o, REQ_HEADER);
      if (typeof v === 'string') assert.equal(v.length, next % 200);
      else assert.equal(v, next);
      r.advance(i32[o >> 2]);
      next++;
      if ((next & 15) === 0) r.release();
    }
    r.release();
    assert.equal(next, n);
  } finally {
    await worker.terminate();
  }
});

test('histogram: percentiles within 1/64 relative error, exact count/mean/min/max', () => {
  const h = new Histogram();
  const rand = mulberry32(3);
  const xs: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const v = Math.exp(rand() * 12 - 6); // 2.5 µs .. 400 ms, log-uniform
    xs.push(v);
    h.record(v);
  }
  xs.sort((a, b) => a - b);
  for (const p of [1, 10, 50, 90, 99, 99.9]) {
    const exact = xs[Math.ceil((p / 100) * xs.length) - 1];
    const got = h.percentile(p);
    assert.ok(Math.abs(got - exact) / exact <= 1 / 64 + 1e-9, `p${p}: ${got} vs ${exact}`);
  }
  const s = h.summary();
  assert.equal(s.min, xs[0]);
  assert.equal(s.max, xs[xs.length - 1]);
  assert.ok(Math.abs(s.mean - xs.reduce((a, b) => a + b, 0) / xs.length) < 1e-9);
  h.reset();
  assert.equal(h.summary().p50, 0);
});

test('deadlines: fire in order, re-arm, and compact settled entries', { timeout: 10_000 }, async () => {
  const fired: number[] = [];
  const settled = new Set<number>();
  const again = new Set<number>([3]);
  const d = new Deadlines<number>(
    (t) => {
      if (again.delete(t)) return performance.now() + 5;
      fired.push(t);
      return undefined;
    },
    (t) => !settled.has(t),
  );
  const now = performance.now();
  d.add(2, now + 20);
  d.add(1, now + 10);
  d.add(3, now + 15);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(fired, [1, 2, 3]);
  for (let i = 100; i < 5000; i++) {
    d.add(i, now + 1e6);
    settled.add(i);
  }
  assert.ok(d.size < 3000, `compacted: ${d.size}`);
  d.clear();
  assert.equal(d.size, 0);
});

test('FixedQueue: FIFO with unshift and remove, growing', () => {
  const q = new FixedQueue();
  const mk = (n: number): Task & { n: number } => ({ n, [queueOptionsSymbol]: null });
  const items = Array.from({ length: 200 }, (_, i) => mk(i));
  for (const t of items) q.push(t);
  q.remove(items[100]);
  q.unshift(mk(-1));
  assert.equal(q.size, 200);
  const out: number[] = [];
  for (let t = q.shift(); t !== null; t = q.shift()) out.push((t as Task & { n: number }).n);
  assert.deepEqual(out, [-1, ...Array.from({ length: 200 }, (_, i) => i).filter((i) => i !== 100)]);
});

test('code cache bookkeeping: one worker asked at a time, asked again if it exits, kept per execArgv', async () => {
  const { codeCacheFor, codeCacheKey, codeCacheNotMade, storeCodeCache } = await import('../src/engine/code-cache.js');
  const key = codeCacheKey(['--units-test-flag']);
  assert.notEqual(key, codeCacheKey(undefined), 'execArgv given and inherited are different keys');
  assert.deepEqual(codeCacheFor(key), { data: undefined, produce: true }, 'the first worker is asked');
  assert.deepEqual(
    codeCacheFor(key),
    { data: undefined, produce: false },
    'no second worker while the first has not answered',
  );
  codeCacheNotMade(key);
  assert.deepEqual(
    codeCacheFor(key),
    { data: undefined, produce: true },
    'asked again after the first exited without a cache',
  );
  const data = new Uint8Array([1, 2, 3]);
  storeCodeCache(key, data);
  assert.deepEqual(codeCacheFor(key), { data, produce: false }, 'every later worker gets the cache');
  codeCacheNotMade(key);
  assert.deepEqual(codeCacheFor(key), { data, produce: false }, 'a late exit does not drop a cache');
  const other = codeCacheKey(['--units-test-unbundled']);
  assert.equal(codeCacheFor(other).produce, true);
  storeCodeCache(other, undefined);
  assert.deepEqual(
    codeCacheFor(other),
    { data: undefined, produce: false },
    'an entry that cannot be cached is not asked for again',
  );
});
