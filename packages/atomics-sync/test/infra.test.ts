// The shared infrastructure: error transport across threads, the revive protocol, regions, timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import {
  deserializeError,
  serializeError,
  registerErrorClass,
  InvalidArgumentError,
  OwnerDeadError,
  SabkitError,
  revive,
  registerKind,
  setKindLoader,
  isThreadDead,
  watchWorker,
  livenessTable,
  currentThreadId,
  InvalidRegionError,
} from '../src/index.js';
import { allocateRegion, expectDescriptor, KIND_PROPERTY } from '../src/runtime/shared.js';
import { deadlineFrom, parkAsync } from '../src/runtime/wait.js';

const fixture = (name: string) => new URL(`./fixtures/${name}.js`, import.meta.url);

test('errors keep class, message, stack, code and cause across a worker boundary', { timeout: 20_000 }, async () => {
  class CustomError extends Error {
    extra = 0;
  }
  registerErrorClass(CustomError);
  const w = new Worker(fixture('echo-error'), { workerData: { mode: 'errors' } });
  // Listen for 'exit' before awaiting the message: Node may emit both in one callback, and a
  // listener attached after the first await would then miss 'exit' and hang the test.
  const exited = once(w, 'exit');
  const [msg] = await once(w, 'message');
  await exited;
  const outer = deserializeError(msg.outer) as TypeError & { code: string; cause: InvalidArgumentError };
  assert.ok(outer instanceof TypeError);
  assert.equal(outer.message, 'outer failure');
  assert.equal(outer.code, 'E_OUTER');
  assert.match(outer.stack!, /echo-error/);
  assert.ok(outer.cause instanceof InvalidArgumentError);
  assert.ok(outer.cause instanceof SabkitError);
  assert.equal(outer.cause.code, 'ERR_SABKIT_INVALID_ARGUMENT');
  assert.equal(outer.cause.name, 'InvalidArgumentError');
  const owner = deserializeError(msg.owner) as OwnerDeadError;
  assert.ok(owner instanceof OwnerDeadError);
  assert.equal(owner.deadThreadId, 7);
  const custom = deserializeError(msg.custom) as CustomError;
  assert.ok(custom instanceof CustomError);
  assert.equal(custom.extra, 42);
  const agg = deserializeError(msg.agg) as AggregateError;
  assert.ok(agg instanceof AggregateError);
  assert.ok(agg.errors[0] instanceof RangeError);
  assert.equal(agg.errors[1], 'plain');
  assert.equal(deserializeError(msg.plain), 'a string');
  // A class the receiver does not know keeps its constructor's name, even though it never set
  // `name`, and stays an instance of the nearest class known here.
  const unlisted = deserializeError(msg.unlisted) as TypeError;
  assert.ok(unlisted instanceof TypeError);
  assert.equal(unlisted.name, 'UnlistedError');
  assert.equal(unlisted.message, 'unlisted');
  assert.match(unlisted.stack!, /^UnlistedError: unlisted\n/);
  assert.equal(String(unlisted), 'UnlistedError: unlisted');
});

test('revive walks arrays, objects, maps and sets, and leaves typed arrays alone', () => {
  class Thing {
    readonly [KIND_PROPERTY] = 'TestThing';
    constructor(
      readonly buffer: SharedArrayBuffer,
      readonly byteOffset: number,
    ) {}
  }
  registerKind('TestThing', (d) => new Thing(d.buffer, d.byteOffset));
  const sab = new SharedArrayBuffer(16);
  const clone = structuredClone({
    a: [new Thing(sab, 8)],
    m: new Map([[1, new Thing(sab, 0)]]),
    s: new Set([new Thing(sab, 4)]),
    t: new Float64Array(4),
  });
  const live = revive(clone);
  assert.ok(live.a[0] instanceof Thing);
  assert.equal(live.a[0].byteOffset, 8);
  assert.equal(live.a[0].buffer, sab === live.a[0].buffer ? sab : live.a[0].buffer);
  assert.ok(live.m.get(1) instanceof Thing);
  assert.ok([...live.s][0] instanceof Thing);
  assert.ok(live.t instanceof Float64Array);
  // The same object reached twice is revived once; every reference gets the live object.
  const one = new Thing(sab, 12);
  const twice = revive(structuredClone({ a: one, b: [one], c: { d: one } }));
  assert.ok(twice.a instanceof Thing);
  assert.equal(twice.b[0], twice.a);
  assert.equal(twice.c.d, twice.a);
  assert.throws(() => expectDescriptor({ [KIND_PROPERTY]: 'Other', buffer: sab, byteOffset: 0 }, 'TestThing'), {
    code: 'ERR_SABKIT_REVIVE',
  });
  assert.throws(() => expectDescriptor(42, 'TestThing'), /TestThing\.from\(value\)/);
});

test('regions: alignment, bounds and buffer type are checked', () => {
  const sab = new SharedArrayBuffer(64);
  assert.deepEqual(allocateRegion('K', 8, 4, { buffer: sab, byteOffset: 56 }), { buffer: sab, byteOffset: 56 });
  for (const [region, re] of [
    [{ buffer: sab, byteOffset: 2 }, /multiple of 4/],
    [{ buffer: sab, byteOffset: 60 }, /only 64 bytes/],
    [{ buffer: new ArrayBuffer(64) as unknown as SharedArrayBuffer }, /must be a SharedArrayBuffer/],
    [{ buffer: sab, byteOffset: -4 }, /non-negative integer/],
    [{ byteOffset: 8 }, /without a buffer/],
  ] as const) {
    assert.throws(
      () => allocateRegion('K', 8, 4, region),
      (e: unknown) => e instanceof InvalidRegionError && re.test((e as Error).message),
    );
  }
});

test('timeouts are validated', () => {
  assert.equal(deadlineFrom(undefined), Infinity);
  assert.equal(deadlineFrom(-1), Infinity);
  for (const bad of [-2, NaN, '10' as unknown as number])
    assert.throws(() => deadlineFrom(bad), { code: 'ERR_SABKIT_INVALID_ARGUMENT' });
});

test('parkAsync times out, wakes on notify, and rejects on abort', { timeout: 10_000 }, async () => {
  const i32 = new Int32Array(new SharedArrayBuffer(4));
  assert.equal(await parkAsync(i32, 0, 0, deadlineFrom(20)), 'timed-out');
  const p = parkAsync(i32, 0, 0, Infinity);
  setTimeout(() => {
    Atomics.store(i32, 0, 1);
    Atomics.notify(i32, 0);
  }, 10);
  assert.equal(await p, 'ok');
  const ac = new AbortController();
  const q = parkAsync(i32, 0, 1, Infinity, ac.signal);
  setTimeout(() => ac.abort(new Error('stop')), 10);
  await assert.rejects(q, /stop/);
});

test('a watched worker is marked dead when it exits; the table is shared with it', { timeout: 20_000 }, async () => {
  livenessTable();
  const w = new Worker(fixture('echo-error'), { workerData: { mode: 'liveness' } });
  watchWorker(w);
  const id = w.threadId;
  const exited = once(w, 'exit'); // before the first await: see the test above
  const [msg] = await once(w, 'message');
  assert.equal(msg.threadId, id);
  assert.equal(msg.selfDead, false);
  await exited;
  assert.equal(isThreadDead(id), true);
  assert.equal(isThreadDead(currentThreadId), false);
});

test("a second copy of the module shares the thread's kind and error-class registries", {
  timeout: 10_000,
}, async () => {
  // A query string makes Node load the files again as distinct module instances, as a second
  // install of the package (or the pool worker's bundle) would.
  const copy = (await import(
    `../src/codec/error-transport.js?copy=${Date.now()}`
  )) as typeof import('../src/codec/error-transport.js');
  const codecCopy = (await import(`../src/core.js?copy=${Date.now()}`)) as typeof import('../src/core.js');
  const sharedCopy = (await import(
    `../src/runtime/shared.js?copy=${Date.now()}`
  )) as typeof import('../src/runtime/shared.js');
  assert.notEqual(copy.deserializeError, deserializeError, 'a distinct error-transport instance');
  assert.notEqual(sharedCopy.revive, revive, 'the copy is a distinct module instance');
  class Probe {
    constructor(
      readonly buffer: SharedArrayBuffer,
      readonly byteOffset: number,
    ) {}
  }
  registerKind('TestCopyProbe', (d) => new Probe(d.buffer, d.byteOffset));
  const sab = new SharedArrayBuffer(8);
  const viaCopy = sharedCopy.revive({ [KIND_PROPERTY]: 'TestCopyProbe', buffer: sab, byteOffset: 0 }) as Probe;
  assert.ok(viaCopy instanceof Probe, 'a kind registered through the index revives through the copy');
  assert.equal(viaCopy.buffer, sab);
  sharedCopy.registerKind('TestCopyProbe2', (d) => new Probe(d.buffer, 4));
  assert.equal((revive({ [KIND_PROPERTY]: 'TestCopyProbe2', buffer: sab, byteOffset: 0 }) as Probe).byteOffset, 4);
  class CopyError extends Error {
    override name = 'CopyError';
  }
  copy.registerErrorClass(CopyError);
  const back = deserializeError(copy.serializeError(new CopyError('through the copy')));
  assert.ok(back instanceof CopyError, 'a class registered through the copy is known to the index');
  assert.equal((back as Error).message, 'through the copy');
  // sabkit's own classes come back as the deserialising copy's classes, whichever copy ran first.
  assert.ok(copy.deserializeError(serializeError(new InvalidArgumentError('x'))) instanceof InvalidArgumentError);
  assert.ok(deserializeError(copy.serializeError(new OwnerDeadError('y', 3))) instanceof OwnerDeadError);
  // The core entry's codec round-trips like the index's.
  const bytes = codecCopy.encode({ a: [1, 'x', 2n] });
  assert.deepEqual(codecCopy.decode(bytes, 0, bytes.length), { a: [1, 'x', 2n] });
});

test("revive registers unknown kinds through the thread's kind loader: once, through any copy, again after a throw", {
  timeout: 10_000,
}, async () => {
  const sharedCopy = (await import(
    `../src/runtime/shared.js?loader=${Date.now()}`
  )) as typeof import('../src/runtime/shared.js');
  class Lazy {
    constructor(readonly buffer: SharedArrayBuffer) {}
  }
  const sab = new SharedArrayBuffer(8);
  const descriptor = (kind: string) => ({ [KIND_PROPERTY]: kind, buffer: sab, byteOffset: 0 });
  let calls = 0;
  let fail = true;
  setKindLoader(() => {
    calls++;
    if (fail) throw new Error('cannot load the kinds');
    registerKind('TestLazyKind', (d) => new Lazy(d.buffer));
  });
  try {
    // Plain data and registered kinds never call it.
    revive({ a: [1, { b: 'x' }], m: new Map([[1, { c: 2 }]]) });
    assert.equal(calls, 0, 'no unknown kind: not called');
    // A loader that throws: the error reaches the caller, and the next unknown kind tries again.
    assert.throws(() => revive({ x: descriptor('TestLazyKind') }), /cannot load the kinds/);
    fail = false;
    // Called from the copy's revive too: the loader is the thread's, like the registry.
    const live = sharedCopy.revive([descriptor('TestLazyKind'), descriptor('TestLazyKind')]) as Lazy[];
    assert.equal(calls, 2);
    assert.ok(live[0] instanceof Lazy && live[1] instanceof Lazy, 'revived after the loader registered the kind');
    // Once it ran, a kind it did not register stays a plain record, and the loader is not called again.
    const unknown = revive(descriptor('TestNeverRegistered'));
    assert.equal(Object.getPrototypeOf(unknown), Object.prototype);
    assert.ok(revive(descriptor('TestLazyKind')) instanceof Lazy);
    assert.equal(calls, 2, 'called once in all after it succeeded');
  } finally {
    setKindLoader(undefined);
  }
});
