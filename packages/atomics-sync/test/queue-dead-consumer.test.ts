// Issue 20 point 4: a consumer terminated while blocked in get() holds the readers' lock. Without
// watchWorker(worker): the thread that created the worker (having loaded sabkit) reports its death
// by itself, so the others take the lock over and get the items. A holder whose death cannot be
// known (a worker created by a thread that never loaded sabkit, or a live thread stuck in a get)
// makes a timed-out get throw StuckHolderError, naming it, instead of a silent Empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Empty, Full, Queue, SimpleQueue, StuckHolderError, isThreadDead } from '../src/index.js';
import { QUEUE_HEADER_BYTES } from '../src/channels/queue.js';
import { R_READ_LOCK, R_WRITE_LOCK } from '../src/channels/ring.js';
import { Worker, delay, messageWith } from './support.js';

const fixture = new URL('./fixtures/queue-worker.js', import.meta.url);

test('Queue: a consumer terminated inside get() (no watchWorker) does not jam the queue', {
  timeout: 20_000,
}, async () => {
  const q = new Queue<number>();
  const log = new SharedArrayBuffer(64);
  // A plain Worker: nobody calls watchWorker for it.
  const w = new Worker(fixture, { workerData: { role: 'victim', q, log, logBase: 0 } });
  const id = w.threadId;
  await messageWith(w, 'started');
  await delay(30); // parked in get(), holding the readers' lock
  await w.terminate();
  assert.equal(isThreadDead(id), true, 'its creator marked it dead without being asked');
  q.put(1);
  q.put(2);
  q.put(3);
  assert.equal(q.qsize(), 3);
  const got: number[] = [];
  // The readers' lock is taken over inside the queue: no OwnerDeadError, the items come out.
  for (let i = 0; i < 3; i++) got.push(await q.getAsync(5_000));
  assert.deepEqual(got, [1, 2, 3]);
});

/** Makes `holderThreadId` the holder of the readers' lock of a queue at `byteOffset`. */
function holdReaders(q: { buffer: SharedArrayBuffer; byteOffset: number }, holderThreadId: number): Int32Array {
  const i32 = new Int32Array(q.buffer);
  const idx = (q.byteOffset + QUEUE_HEADER_BYTES) / 4 + R_READ_LOCK;
  Atomics.store(i32, idx, holderThreadId + 1);
  return i32.subarray(idx, idx + 1);
}

test('Queue: items waiting, readers lock held by a live thread that takes nothing: StuckHolderError, not Empty', {
  timeout: 20_000,
}, async () => {
  // A live worker that does nothing stands for a terminated one whose death nobody reported.
  const idle = new Worker(new URL('data:text/javascript,setInterval(() => {}, 1000)'), {});
  await once(idle, 'online');
  const q = new Queue<number>();
  q.put(1);
  q.put(2);
  q.put(3);
  const word = holdReaders(q, idle.threadId);
  assert.throws(
    () => q.get(150),
    (e) =>
      e instanceof StuckHolderError &&
      e.code === 'ERR_SABKIT_STUCK_HOLDER' &&
      e.holderThreadId === idle.threadId &&
      /3 item\(s\) are waiting/.test(e.message) &&
      /watchWorker/.test(e.message),
  );
  await assert.rejects(q.getAsync(150), StuckHolderError);
  // Short waits cannot tell a stuck holder from a busy one: they stay Empty.
  assert.throws(() => q.get(0), Empty);
  // An empty queue with a parked consumer holding the lock is ordinary: Empty.
  const e = new SimpleQueue<number>();
  holdReaders(e, idle.threadId);
  await assert.rejects(e.getAsync(150), (x) => !(x instanceof StuckHolderError));
  // Once the holder lets go, the queue works and nothing was lost.
  Atomics.store(word, 0, 0);
  assert.deepEqual([q.get(0), q.get(0), q.get(0)], [1, 2, 3]);
  await idle.terminate();
});

test('Queue: room to put, writers lock held by a live thread that puts nothing: StuckHolderError, not Full', {
  timeout: 20_000,
}, async () => {
  const idle = new Worker(new URL('data:text/javascript,setInterval(() => {}, 1000)'), {});
  await once(idle, 'online');
  const q = new Queue<number>({ maxsize: 10 });
  q.put(1);
  const i32 = new Int32Array(q.buffer);
  const idx = (q.byteOffset + QUEUE_HEADER_BYTES) / 4 + R_WRITE_LOCK;
  Atomics.store(i32, idx, idle.threadId + 1);
  assert.throws(
    () => q.put(2, 150),
    (e) =>
      e instanceof StuckHolderError &&
      e.holderThreadId === idle.threadId &&
      /writers' lock/.test(e.message) &&
      /watchWorker/.test(e.message),
  );
  await assert.rejects(q.putAsync(2, 150), StuckHolderError);
  assert.throws(() => q.put(2, 0), Full, 'a short wait cannot tell: Full');
  // A full queue whose producer waits for room (holding the lock) is ordinary: Full.
  const full = new Queue<number>({ maxsize: 1 });
  full.put(1);
  const fi = new Int32Array(full.buffer);
  Atomics.store(fi, (full.byteOffset + QUEUE_HEADER_BYTES) / 4 + R_WRITE_LOCK, idle.threadId + 1);
  assert.throws(() => full.put(2, 150), Full);
  Atomics.store(i32, idx, 0);
  q.put(2, 100);
  assert.deepEqual([q.get(0), q.get(0)], [1, 2]);
  await idle.terminate();
});
