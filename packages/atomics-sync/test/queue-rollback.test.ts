// Issue 20 point 2: a put of an item larger than the ring that gives up (timeout, putNowait, an
// abort) leaves the queue as it was, as CPython's put does when it raises Full: qsize 0, empty,
// not full, and the next small put succeeds. When a reader is mid-get (it may be reading the first
// chunk), the item is withdrawn with an ABORT record instead, which is not counted either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Full, JoinableQueue, Queue, SimpleQueue } from '../src/index.js';

const BIG = () => new Uint8Array(100_000);

function assertUnchanged(q: Queue<unknown>, what: string): void {
  assert.equal(q.qsize(), 0, `${what}: qsize`);
  assert.equal(q.empty(), true, `${what}: empty`);
  assert.equal(q.full(), false, `${what}: full`);
  q.putNowait('small');
  assert.equal(q.qsize(), 1, `${what}: the next small put went in`);
  assert.equal(q.get(0), 'small', `${what}: and comes out first`);
}

test('Queue: the issue snippet — put(big, 100) times out with Full and leaves the queue unchanged', {
  timeout: 10_000,
}, () => {
  const q = new Queue({ capacityBytes: 4096, maxsize: 1 });
  assert.throws(() => q.put(BIG(), 100), Full);
  assertUnchanged(q, 'put(item, 100)');
});

test('Queue: putNowait(big) on an empty queue raises Full and leaves it unchanged', { timeout: 10_000 }, () => {
  const q = new Queue({ capacityBytes: 4096, maxsize: 1 });
  assert.throws(() => q.putNowait(BIG()), Full);
  assertUnchanged(q, 'putNowait');
  // Repeated, the ring's bytes do not leak either.
  for (let i = 0; i < 50; i++) assert.throws(() => q.putNowait(BIG()), Full);
  assertUnchanged(q, '50 putNowait');
});

test('Queue: putAsync(big, { timeout }) and an aborted putAsync leave the queue unchanged', {
  timeout: 10_000,
}, async () => {
  const q = new Queue({ capacityBytes: 4096, maxsize: 1 });
  await assert.rejects(q.putAsync(BIG(), 50), Full);
  assertUnchanged(q, 'putAsync(item, 50)');
  await assert.rejects(q.putAsync(BIG(), { timeout: 30 }), Full);
  assertUnchanged(q, 'putAsync(item, { timeout })');
  const ac = new AbortController();
  const p = q.putAsync(BIG(), { signal: ac.signal });
  setTimeout(() => ac.abort(new Error('stop')), 20);
  await assert.rejects(p, /stop/);
  assertUnchanged(q, 'aborted putAsync');
});

test('Queue: items already in the queue stay, in order, around a withdrawn big put', { timeout: 10_000 }, () => {
  const q = new Queue<unknown>({ capacityBytes: 4096 });
  q.put('a');
  q.put('b');
  assert.throws(() => q.put(BIG(), 20), Full);
  assert.equal(q.qsize(), 2);
  q.put('c');
  assert.deepEqual([q.get(0), q.get(0), q.get(0)], ['a', 'b', 'c']);
  assert.equal(q.empty(), true);
});

test('JoinableQueue and SimpleQueue: the same rollback', { timeout: 10_000 }, () => {
  const j = new JoinableQueue({ capacityBytes: 4096, maxsize: 1 });
  assert.throws(() => j.put(BIG(), 20), Full);
  assert.equal(j.qsize(), 0);
  j.putNowait('x');
  assert.equal(j.get(0), 'x');
  j.taskDone();
  assert.equal(j.join(0), true, 'no unfinished task for the withdrawn item');
  const s = new SimpleQueue({ capacityBytes: 4096 });
  for (let i = 0; i < 20; i++) assert.throws(() => s.put(BIG(), 0), Full);
  assert.equal(s.empty(), true);
  s.put('y', 0);
  assert.equal(s.get(), 'y');
});

test('Queue: a reader mid-get (holding the readers lock) sees an ABORT; the count never shows the item', {
  timeout: 10_000,
}, async () => {
  const q = new Queue<unknown>({ capacityBytes: 4096, maxsize: 1 });
  // The async get holds the readers' lock while it waits, so the writer cannot take its chunks back.
  const got = q.getAsync(5_000);
  await new Promise((r) => setTimeout(r, 10));
  assert.throws(() => q.put(BIG(), 30), Full);
  assert.equal(q.qsize(), 0, 'the aborted item is not counted');
  assert.equal(q.full(), false);
  await new Promise((r) => setTimeout(r, 10)); // the reader skips the partial item and the ABORT
  q.put('after', 1_000);
  assert.equal(await got, 'after');
  assert.equal(q.qsize(), 0);
  assert.equal(q.empty(), true);
});
