// Queue and SimpleQueue: MPMC hammer with sequence checks, value kinds, timeouts, close, oversize
// items (chunked), a consumer killed mid-stream, and the misuse table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import {
  ClosedError,
  Empty,
  Full,
  InvalidArgumentError,
  InvalidRegionError,
  MAX_MESSAGE_BYTES,
  PayloadTooLargeError,
  Queue,
  ReviveError,
  SimpleQueue,
  BlockingNotAllowedError,
  codec,
  deserializeError,
  revive,
} from '../src/index.js';
import type { SerializedError } from '../src/index.js';
import { messageWith, startWatched } from './support.js';
import { mulberry32 } from './prng.js';
import * as S from '../src/index.js';
import { TIMEOUT_CASES, asTimeout, label, pythonRule, stillWaiting } from './timeout-table.js';

const fixture = new URL('./fixtures/queue-worker.js', import.meta.url);

const start = (data: Record<string, unknown>) => startWatched(fixture, data);
const message = messageWith;

/** Checks consumer logs of values id * 2^20 + seq: no loss, no duplicate, per-producer order per consumer. */
function checkLogs(
  log: Int32Array,
  consumers: number,
  stride: number,
  producers: number,
  perProducer: number,
  maxLost = 0,
): number {
  const seen = new Uint8Array(producers * perProducer);
  let total = 0;
  for (let c = 0; c < consumers; c++) {
    const n = log[c * stride];
    const last = new Array<number>(producers).fill(-1);
    for (let k = 0; k < n; k++) {
      const v = log[c * stride + 1 + k];
      const id = Math.floor(v / 2 ** 20);
      const seq = v % 2 ** 20;
      assert.ok(id >= 0 && id < producers && seq < perProducer, `consumer ${c} got a value no producer put: ${v}`);
      assert.ok(
        seq > last[id],
        `consumer ${c} got producer ${id}'s item ${seq} after item ${last[id]}: FIFO order broken`,
      );
      last[id] = seq;
      assert.equal(seen[id * perProducer + seq], 0, `item ${seq} of producer ${id} was delivered twice`);
      seen[id * perProducer + seq] = 1;
      total++;
    }
  }
  const lost = producers * perProducer - total;
  assert.ok(lost <= maxLost, `${lost} items lost (at most ${maxLost} allowed)`);
  return lost;
}

test('4 producers x 4 consumers x 10^5 items: no loss, no duplicate, per-producer order kept', {
  timeout: 120_000,
}, async () => {
  const P = 4,
    C = 4,
    PER = 25_000,
    stride = P * PER + 1;
  const q = new Queue<number>({ capacityBytes: 4096, maxsize: 100 }); // small: producers wait often
  const log = new Int32Array(new SharedArrayBuffer(4 * C * stride));
  const workers: Worker[] = [];
  try {
    const consumers = Array.from({ length: C }, (_, c) =>
      start({ role: 'consume', q, log: log.buffer, logBase: c * stride }),
    );
    const producers = Array.from({ length: P }, (_, id) => start({ role: 'produce', q, id, count: PER }));
    workers.push(...consumers, ...producers);
    await Promise.all(producers.map((w) => message(w, 'done')));
    q.close();
    const ends = await Promise.all(consumers.map((w) => message(w, 'done')));
    assert.equal(
      ends.reduce((s, m) => s + (m.n as number), 0),
      P * PER,
    );
    checkLogs(log, C, stride, P, PER);
    assert.equal(q.qsize(), 0);
    assert.equal(q.empty(), true);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
});

test('2 x 2 with seeded random sizes up to 3 rings: chunks of two producers never interleave', {
  timeout: 120_000,
}, async () => {
  const P = 2,
    C = 2,
    PER = 300,
    ringBytes = 1024,
    stride = P * PER + 1;
  const q = new Queue<Uint8Array>({ capacityBytes: ringBytes });
  const log = new Int32Array(new SharedArrayBuffer(4 * C * stride));
  const workers: Worker[] = [];
  try {
    const consumers = Array.from({ length: C }, (_, c) =>
      start({ role: 'consume-sized', q, log: log.buffer, logBase: c * stride }),
    );
    const producers = Array.from({ length: P }, (_, id) =>
      start({ role: 'produce-sized', q, id, count: PER, seed: 1234 + id, ringBytes }),
    );
    workers.push(...consumers, ...producers);
    await Promise.all(producers.map((w) => message(w, 'done')));
    q.close();
    const ends = await Promise.all(consumers.map((w) => message(w, 'done')));
    assert.deepEqual(
      ends.map((m) => m.bad),
      [0, 0],
      'a message arrived with wrong bytes',
    );
    checkLogs(log, C, stride, P, PER);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
});

test('1 -> 1 keeps order, with the async forms on the main thread', { timeout: 30_000 }, async () => {
  const q = new Queue<number>({ capacityBytes: 256 });
  const back = new Queue<number | string>({ capacityBytes: 256 });
  const w = start({ role: 'echo', q, q2: back });
  try {
    const N = 3000;
    const sending = (async () => {
      for (let i = 0; i < N; i++) await q.putAsync(i);
      await q.putAsync('stop' as unknown as number);
    })();
    for (let i = 0; i < N; i++) assert.equal(await back.getAsync(), i);
    assert.equal(await back.getAsync(), 'stop');
    await sending;
  } finally {
    await w.terminate();
  }
});

const KINDS: [string, unknown][] = [
  ['int', 42],
  ['negative int', -2147483648],
  ['-0', -0],
  ['NaN', NaN],
  ['Infinity', -Infinity],
  ['float', 1.5e-300],
  ['2^31', 2 ** 31],
  ['empty string', ''],
  ['ascii', 'hello'],
  ['multi-byte', 'héllo wörld ✓ 😀'.repeat(3)],
  ['long string', 'x'.repeat(100_000)],
  ['lone surrogate in an object', { s: '\ud800' }],
  ['true', true],
  ['false', false],
  ['null', null],
  ['undefined', undefined],
  ['bigint', -(2n ** 63n)],
  ['big bigint', 2n ** 200n + 1n],
  ['Uint8Array', new Uint8Array([1, 2, 255])],
  ['Int16Array', new Int16Array([-1, 300])],
  ['Float64Array', new Float64Array([-0, NaN, 1e300])],
  ['BigInt64Array', new BigInt64Array([-5n])],
  ['Uint8ClampedArray', new Uint8ClampedArray([9])],
  ['DataView', new DataView(new Uint8Array([7, 8, 9]).buffer, 1, 2)],
  ['ArrayBuffer', new Uint8Array([4, 5]).buffer],
  ['empty Float32Array', new Float32Array(0)],
  [
    'Map',
    new Map<unknown, unknown>([
      [1, 'a'],
      ['k', { deep: [1n] }],
    ]),
  ],
  ['Set', new Set([1, 'two', null])],
  ['Date', new Date(1_700_000_000_000)],
  ['RegExp', /a+b/gi],
  // biome-ignore lint/suspicious/noSparseArray: a hole must survive the round trip as a hole
  ['nested', { a: [1, { b: new Map([[2, new Set([3])]]) }], c: undefined, d: [, 5] }],
  ['array', [1, 'x', null, [2]]],
];

function sameValue(got: unknown, want: unknown, name: string): void {
  if (want instanceof DataView) {
    assert.ok(got instanceof DataView, name);
    assert.deepEqual(
      new Uint8Array(got.buffer, got.byteOffset, got.byteLength),
      new Uint8Array(want.buffer, want.byteOffset, want.byteLength),
      name,
    );
  } else if (want instanceof Error) {
    assert.ok(got instanceof Error, name);
    assert.equal((got as Error).name, want.name);
    assert.equal((got as Error).message, want.message);
  } else if (typeof want === 'object' && want !== null && 's' in want && (want as { s: string }).s === '\ud800') {
    assert.equal((got as { s: string }).s, '\ud800', 'a lone surrogate inside an object survives (v8 path)');
  } else {
    assert.deepStrictEqual(got, want, name);
  }
}

test('every value kind round-trips through a worker (Queue and SimpleQueue)', { timeout: 30_000 }, async () => {
  for (const Kind of [Queue, SimpleQueue] as const) {
    const q = new Kind({ capacityBytes: 4096 }); // the long string travels in chunks
    const back = new Kind({ capacityBytes: 4096 });
    const w = start({ role: 'echo', q, q2: back });
    try {
      const values: [string, unknown][] = [
        ...KINDS,
        ['Error', new RangeError('boom')],
        ['TypeError in an object', { e: new TypeError('t') }],
      ];
      for (const [name, v] of values) {
        await q.putAsync(v);
        sameValue(await back.getAsync(), v, `${Kind.name}: ${name}`);
      }
      await q.putAsync('stop');
      assert.equal(await back.getAsync(), 'stop');
    } finally {
      await w.terminate();
    }
  }
});

test('a Buffer arrives as a Uint8Array; SharedArrayBuffer-backed and nested typed arrays arrive as private copies', {
  timeout: 10_000,
}, () => {
  const q = new Queue();
  q.put(Buffer.from('abc'));
  const shared = new Int32Array(new SharedArrayBuffer(8));
  shared[1] = 7;
  q.put(shared);
  const b = q.get() as Uint8Array;
  assert.equal(Object.getPrototypeOf(b), Uint8Array.prototype);
  assert.deepEqual([...b], [97, 98, 99]);
  const copy = q.get() as Int32Array;
  assert.ok(copy.buffer instanceof ArrayBuffer);
  assert.deepEqual([...copy], [0, 7]);
  // A typed array inside an object (v8 path) is a copy too, not a view of the ring.
  const small = new Queue({ capacityBytes: 64 });
  small.put({ nested: new Uint8Array([1, 2, 3]) });
  const got = small.get() as { nested: Uint8Array };
  for (let i = 0; i < 50; i++) {
    small.put({ nested: new Uint8Array([9, 9, 9]) });
    small.get();
  }
  assert.deepEqual([...got.nested], [1, 2, 3], 'later traffic through the ring does not change it');
  assert.ok(got.nested.buffer instanceof ArrayBuffer);
});

test('timeouts: Full and Empty from sync calls in a worker', { timeout: 30_000 }, async () => {
  const q = new Queue({ maxsize: 1 });
  const g = start({ role: 'get-timeout', q, timeout: 50 });
  try {
    const m = await message(g, 'error', 'value');
    const e = deserializeError(m.error as SerializedError) as Error;
    assert.ok(e instanceof Empty, `got ${e}`);
    assert.ok((m.waited as number) >= 49, 'Empty came before the timeout');
  } finally {
    await g.terminate();
  }
  q.put(1);
  const p = start({ role: 'put-timeout', q, timeout: 50 });
  try {
    const m = await message(p, 'error', 'value');
    const e = deserializeError(m.error as SerializedError) as Error;
    assert.ok(e instanceof Full, `got ${e}`);
    assert.ok((m.waited as number) >= 49, 'Full came before the timeout');
  } finally {
    await p.terminate();
  }
  assert.equal(q.get(), 1);
});

test('timeouts: async forms on the main thread, nowait forms, and abort', { timeout: 30_000 }, async () => {
  const q = new Queue<number>({ maxsize: 2 });
  await assert.rejects(q.getAsync({ timeout: 20 }), Empty);
  assert.throws(() => q.getNowait(), Empty);
  q.putNowait(1);
  await q.putAsync(2, { timeout: 0 });
  assert.equal(q.full(), true);
  assert.throws(() => q.putNowait(3), Full);
  await assert.rejects(q.putAsync(3, { timeout: 20 }), Full);
  const ac = new AbortController();
  const pending = q.putAsync(3, { signal: ac.signal });
  setTimeout(() => ac.abort(new Error('changed my mind')), 10);
  await assert.rejects(pending, /changed my mind/);
  assert.equal(q.qsize(), 2, 'an aborted put puts nothing');
  assert.equal(q.getNowait(), 1);
  assert.equal(q.get(0), 2);
  const ac2 = new AbortController();
  const getting = q.getAsync({ signal: ac2.signal });
  ac2.abort(new Error('no more'));
  await assert.rejects(getting, /no more/);
  q.put(9);
  assert.equal(await q.getAsync(), 9, 'the queue still works after aborts');
  await assert.rejects(q.getAsync({ signal: AbortSignal.abort(new Error('already')) }), /already/);
});

test('close: puts throw, gets drain then throw, blocked callers wake with ClosedError', {
  timeout: 30_000,
}, async () => {
  const q = new Queue<string>({ maxsize: 2 });
  q.put('a');
  q.put('b');
  const putter = start({ role: 'blocked-put', q });
  const empty = new Queue<string>();
  const getter = start({ role: 'blocked-get', q: empty });
  try {
    await Promise.all([message(putter, 'started'), message(getter, 'started')]);
    const asyncGet = assert.rejects(empty.getAsync(), ClosedError);
    await new Promise((r) => setTimeout(r, 50)); // let them park
    q.close();
    empty.close();
    assert.equal(q.closed, true);
    const [pm, gm] = await Promise.all([message(putter, 'error', 'value'), message(getter, 'error', 'value')]);
    assert.ok(
      deserializeError(pm.error as SerializedError) instanceof ClosedError,
      'a put blocked on a full queue fails when it closes',
    );
    assert.ok(
      deserializeError(gm.error as SerializedError) instanceof ClosedError,
      'a get blocked on an empty queue fails when it closes',
    );
    await asyncGet;
    assert.throws(() => q.put('c'), ClosedError);
    await assert.rejects(q.putAsync('c'), ClosedError);
    assert.equal(q.get(), 'a');
    assert.equal(await q.getAsync(), 'b');
    assert.throws(() => q.get(), ClosedError);
    assert.throws(() => q.getNowait(), ClosedError);
    q.close(); // idempotent
    const s = new SimpleQueue<number>();
    s.put(1);
    s.close();
    assert.throws(() => s.put(2), ClosedError);
    assert.equal(s.get(), 1);
    assert.throws(() => s.get(), ClosedError);
  } finally {
    await Promise.all([putter.terminate(), getter.terminate()]);
  }
});

test('oversize items: the largest single record and one byte more both round-trip; far larger ones travel in chunks', {
  timeout: 30_000,
}, async () => {
  const q = new Queue<Uint8Array>({ capacityBytes: 256 });
  const back = new Queue<Uint8Array | string>({ capacityBytes: 256 });
  // A record holds at most capacity/2 - 8 = 120 payload bytes; a Uint8Array costs 8 + length.
  const maxWhole = q.capacityBytes / 2 - 8 - codec.BYTES_HEADER;
  const w = start({ role: 'echo', q, q2: back });
  try {
    for (const n of [maxWhole, maxWhole + 1, 255, 256, 100_000]) {
      const u8 = new Uint8Array(n).map((_, i) => (i * 13 + n) & 255);
      const sent = q.putAsync(u8);
      assert.deepEqual(await back.getAsync(), u8, `${n} bytes`);
      await sent;
    }
    q.put('stop' as unknown as Uint8Array);
    assert.equal(await back.getAsync(), 'stop');
  } finally {
    await w.terminate();
  }
});

test('oversize items: a chunked put that times out is withdrawn, and the queue stays consistent', {
  timeout: 10_000,
}, () => {
  const q = new Queue<unknown>({ capacityBytes: 256 });
  assert.throws(() => q.put(new Uint8Array(1000), 20), Full); // nobody reads: the first chunk fills the ring
  assert.equal(q.qsize(), 0, 'the withdrawn item is not counted (CPython: put raising Full changes nothing)');
  assert.throws(() => q.get(0), Empty, 'nothing of the withdrawn item is left to take');
  assert.equal(q.qsize(), 0);
  q.put('after');
  assert.equal(q.get(), 'after');
});

test('oversize items: past MAX_MESSAGE_BYTES is refused before anything is written', { timeout: 10_000 }, (t) => {
  let huge: Uint8Array;
  try {
    // encodes to the limit + 1; its pages are never touched
    huge = new Uint8Array(MAX_MESSAGE_BYTES - codec.BYTES_HEADER + 1);
  } catch {
    t.skip('cannot reserve 2 GiB of address space here');
    return;
  }
  const q = new Queue();
  assert.throws(
    () => q.put(huge, 0),
    (e: unknown) => e instanceof PayloadTooLargeError && /at most 2147483647 bytes/.test((e as Error).message),
  );
  q.put(1);
  assert.equal(q.get(), 1);
});

test('a consumer terminated mid-stream loses at most the item it was taking; producers and the other ' +
  'consumers carry on', {
  timeout: 60_000,
}, async () => {
  const P = 2,
    C = 3,
    PER = 20_000,
    stride = P * PER + 1;
  const q = new Queue<number>({ capacityBytes: 1024 });
  const log = new Int32Array(new SharedArrayBuffer(4 * (C + 1) * stride));
  const workers: Worker[] = [];
  try {
    const victim = start({ role: 'victim', q, log: log.buffer, logBase: C * stride });
    workers.push(victim);
    await message(victim, 'started');
    const consumers = Array.from({ length: C }, (_, c) =>
      start({ role: 'consume', q, log: log.buffer, logBase: c * stride }),
    );
    const producers = Array.from({ length: P }, (_, id) => start({ role: 'produce', q, id, count: PER }));
    workers.push(...consumers, ...producers);
    const rnd = mulberry32(99);
    const threshold = 500 + Math.floor(rnd() * 2000);
    while (Atomics.load(log, C * stride) < threshold) await new Promise((r) => setTimeout(r, 1));
    const exited = once(victim, 'exit');
    await victim.terminate();
    await exited;
    await Promise.all(producers.map((w) => message(w, 'done')));
    q.close();
    await Promise.all(consumers.map((w) => message(w, 'done')));
    const lost = checkLogs(log, C + 1, stride, P, PER, 1);
    assert.ok(Atomics.load(log, C * stride) >= threshold);
    assert.ok(lost <= 1, `lost ${lost}`);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
});

test('revive: from() in workers, revive() generically, and bad descriptors', { timeout: 10_000 }, () => {
  const q = new Queue<number>({ maxsize: 3, capacityBytes: 100 });
  const clone = structuredClone(q);
  assert.deepEqual(Object.keys(clone).sort(), ['__sabkit', 'buffer', 'byteOffset']);
  const q2 = Queue.from<number>(clone);
  q.put(5);
  assert.equal(q2.maxsize, 3);
  assert.equal(q2.capacityBytes, 128);
  assert.equal(q2.get(), 5);
  assert.ok(revive({ x: [clone] }).x[0] instanceof Queue);
  const s = structuredClone(new SimpleQueue());
  assert.ok(revive(s) instanceof SimpleQueue);
  assert.throws(() => Queue.from(s), ReviveError);
  assert.throws(() => SimpleQueue.from(clone), ReviveError);
  // A region that holds no queue (all zero) is refused rather than read as one.
  const zero = { __sabkit: 'Queue', buffer: new SharedArrayBuffer(Queue.byteLength(64)), byteOffset: 0 };
  assert.throws(() => Queue.from(zero), ReviveError);
  assert.throws(() => Queue.from({ __sabkit: 'Queue', buffer: q.buffer, byteOffset: 8 }), ReviveError);
  // Placed in a caller's buffer, after other data.
  const sab = new SharedArrayBuffer(64 + Queue.byteLength(64));
  const placed = new Queue<string>({ buffer: sab, byteOffset: 64, capacityBytes: 64 });
  placed.put('here');
  assert.equal(Queue.from<string>(structuredClone(placed)).get(), 'here');
});

test('misuse: named errors, and nothing is changed', { timeout: 10_000 }, async () => {
  const q = new Queue<unknown>({ maxsize: 1 });
  const cases: [string, () => unknown, new (...a: never[]) => Error][] = [
    ['maxsize 1.5', () => new Queue({ maxsize: 1.5 }), InvalidArgumentError],
    ['maxsize "2"', () => new Queue({ maxsize: '2' as unknown as number }), InvalidArgumentError],
    ['capacityBytes 10', () => new Queue({ capacityBytes: 10 }), InvalidArgumentError],
    ['capacityBytes 2^29', () => new Queue({ capacityBytes: 2 ** 29 }), InvalidArgumentError],
    ['options 5', () => new Queue(5 as unknown as object), InvalidArgumentError],
    [
      'misaligned region',
      () => new Queue({ buffer: new SharedArrayBuffer(4096), byteOffset: 4, capacityBytes: 64 }),
      InvalidRegionError,
    ],
    [
      'region too small',
      () => new Queue({ buffer: new SharedArrayBuffer(100), capacityBytes: 64 }),
      InvalidRegionError,
    ],
    ['put timeout NaN', () => q.put(1, NaN), InvalidArgumentError],
    ['get timeout NaN', () => q.get(NaN), InvalidArgumentError],
    ['a function', () => q.put(() => 1), InvalidArgumentError],
    ['a symbol', () => q.put(Symbol('s')), InvalidArgumentError],
    ['a SharedArrayBuffer', () => q.put(new SharedArrayBuffer(8)), InvalidArgumentError],
    ['a queue inside an item', () => q.put({ q }), InvalidArgumentError],
    ['from(42)', () => Queue.from(42), ReviveError],
  ];
  for (const [name, fn, cls] of cases) assert.throws(fn, cls, name);
  for (const [name, p] of [
    ['putAsync options "3"', () => q.putAsync(1, '3' as unknown as object)],
    ['getAsync bad signal', () => q.getAsync({ signal: {} as AbortSignal })],
    ['getAsync timeout "5"', () => q.getAsync({ timeout: '5' as unknown as number })],
  ] as const)
    await assert.rejects(p(), InvalidArgumentError, name);
  assert.equal(q.qsize(), 0, 'failed puts put nothing');
  q.put('ok');
  assert.equal(q.get(), 'ok', 'and the queue still works');
  // A sync call that would wait forever for this thread's own pending async call is refused.
  const q2 = new Queue<number>();
  const pending = q2.getAsync();
  await new Promise((r) => setTimeout(r, 20));
  assert.throws(() => q2.get(), BlockingNotAllowedError);
  assert.throws(() => q2.get(10), Empty, 'with a timeout it simply times out');
  q2.put(1);
  assert.equal(await pending, 1);
});

test('timeout table: Queue.get / put and their async forms (negative: Empty/Full at once if they would wait)', {
  timeout: 20_000,
}, async () => {
  for (const t of TIMEOUT_CASES) {
    const q = new S.Queue<string>({ maxsize: 1 });
    const timeout = asTimeout(t);
    const name = `Queue timeout ${label(t)}`;
    switch (pythonRule(t)) {
      case 'now':
        assert.throws(() => q.get(timeout), S.Empty, name);
        await assert.rejects(q.getAsync(timeout), S.Empty, name);
        q.put('a', timeout); // room: no waiting needed
        assert.throws(() => q.put('b', timeout), S.Full, name);
        await assert.rejects(q.putAsync('b', { timeout }), S.Full, name);
        assert.equal(q.get(timeout), 'a', name);
        break;
      case 'invalid':
        assert.throws(() => q.get(timeout), S.InvalidArgumentError, name);
        assert.throws(() => q.put('a', timeout), S.InvalidArgumentError, name);
        await assert.rejects(q.getAsync({ timeout }), S.InvalidArgumentError, name);
        await assert.rejects(q.putAsync('a', timeout), S.InvalidArgumentError, name);
        assert.equal(q.qsize(), 0, name);
        break;
      case 'forever':
        assert.equal(await stillWaiting(q.getAsync(timeout), () => q.put('a'), name), 'a', name);
        q.put('b', timeout);
        await stillWaiting(q.putAsync('c', { timeout }), () => assert.equal(q.get(), 'b'), name);
        assert.equal(q.get(timeout), 'c', name);
        break;
    }
  }
  // SimpleQueue takes the same timeout (Python's has none): Empty/Full as Queue's.
  const sq = new S.SimpleQueue<number>();
  assert.throws(() => sq.get(-1), S.Empty);
  await assert.rejects(sq.getAsync({ timeout: 0 }), S.Empty);
  sq.put(1, -1);
  assert.equal(sq.get(-1), 1);
});
