// The rings' wake-up protocol (ring-wait.ts): a waiter ORs WAITING_MARK into the word it parks on;
// the other side notifies only when its Atomics.add returns the mark, and takes it off, so most
// publishes make no syscall and each park costs one notify. A skipped notify must never lose a wake-up: producers and
// consumers paced by seeded random bursts and pauses (each side in turn parks on an empty or full
// ring, or streams while the other is parked), sync and async, queues and pipes. The
// blocking calls wait without a timeout, so that a lost wake-up cannot be rescued by a timed
// re-check: it hangs the run, which the test's own timeout ends (the workers are terminated by
// support.ts); a run takes a few seconds. The consumer checks count and order. Also: a waiter
// leaves no mark behind whatever ended its wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Empty, Full, Pipe, Queue } from '../src/index.js';
import { QUEUE_HEADER_BYTES } from '../src/channels/queue.js';
import { R_HEAD, R_TAIL, WAITING_MARK } from '../src/channels/ring.js';
import { fixture, messageWith, startWatched } from './support.js';
import { mulberry32 } from './prng.js';

const pacing = fixture('ring-pacing');
/** No timeout on the paced calls (see above); the test's timeout bounds the run. */
const BOUND = null;
/** For the calls of this thread, which a hang must not keep from reporting. */
const MAIN_BOUND = 60_000;

async function run(specs: Record<string, unknown>[]): Promise<void> {
  const ws = specs.map((s) => startWatched(pacing, s));
  try {
    await Promise.all(ws.map((w) => messageWith(w, 'done')));
  } finally {
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

for (const [name, options] of [
  ['a small ring (the producer parks on a full ring too)', { capacityBytes: 1024 }],
  ['maxsize 8 (the producer parks on the item count)', { maxsize: 8 }],
  ['a 64 KiB ring', { capacityBytes: 1 << 16 }],
] as const) {
  test(`Queue 1 -> 1, seeded random pacing, ${name}: every item once, in order`, { timeout: 90_000 }, async () => {
    for (const seed of [11, 12, 13]) {
      const q = new Queue<number>(options);
      const count = 20_000;
      await run([
        { role: 'consume', q, count, seed: seed * 2, bound: BOUND },
        { role: 'produce', q, count, seed: seed * 2 + 1, bound: BOUND },
      ]);
      assert.equal(q.qsize(), 0);
    }
  });
}

test('Queue and Pipe 1 -> 1, a stream in seeded bursts: the reader naps between them, loses nothing', {
  timeout: 90_000,
}, async () => {
  for (const seed of [21, 22]) {
    const q = new Queue<number>({ capacityBytes: 1 << 16 });
    const count = 60_000;
    await run([
      { role: 'consume', q, count, seed: seed * 2, bound: BOUND, pace: 'stream' },
      { role: 'produce', q, count, seed: seed * 2 + 1, bound: BOUND, pace: 'stream' },
    ]);
    assert.equal(q.qsize(), 0);
    const [a, b] = Pipe(false);
    await run([
      { role: 'consume', conn: a, count, seed: seed * 3, bound: BOUND, pace: 'stream' },
      { role: 'produce', conn: b, count, seed: seed * 3 + 1, bound: BOUND, pace: 'stream' },
    ]);
  }
});

test('Queue: async consumer on this thread against a paced producer, and an async producer', {
  timeout: 90_000,
}, async () => {
  const rnd = mulberry32(21);
  const q = new Queue<number>({ capacityBytes: 512 });
  const count = 5_000;
  const w = startWatched(pacing, { role: 'produce', q, count, seed: 22, bound: BOUND });
  try {
    for (let i = 0; i < count; i++) {
      if (rnd() < 0.01) await new Promise((r) => setTimeout(r, rnd() * 3));
      assert.equal(await q.getAsync(MAIN_BOUND), i);
    }
    await messageWith(w, 'done');
  } finally {
    await w.terminate();
  }
  const q2 = new Queue<number>({ capacityBytes: 512 });
  await run([
    { role: 'consume', q: q2, count, seed: 23, bound: BOUND },
    { role: 'produce-async', q: q2, count, seed: 24, bound: BOUND },
  ]);
});

test('Pipe 1 -> 1, seeded random pacing: every message once, in order', { timeout: 90_000 }, async () => {
  for (const seed of [31, 32]) {
    const [a, b] = Pipe(false);
    const count = 20_000;
    await run([
      { role: 'consume', conn: a, count, seed, bound: BOUND },
      { role: 'produce', conn: b, count, seed: seed + 100, bound: BOUND },
    ]);
  }
});

test('a waiter leaves no WAITING_MARK behind: after a timeout, after a wake-up, after a notify', {
  timeout: 30_000,
}, async () => {
  const q = new Queue<number>({ maxsize: 1 });
  const word = new Int32Array(q.buffer, q.byteOffset + QUEUE_HEADER_BYTES);
  const flags = () => [Atomics.load(word, R_TAIL) & WAITING_MARK, Atomics.load(word, R_HEAD) & WAITING_MARK];
  assert.throws(() => q.get(5), Empty); // spun, parked, timed out
  assert.deepEqual(flags(), [0, 0]);
  q.put(0);
  assert.throws(() => q.put(1, 5), Full);
  assert.deepEqual(flags(), [0, 0]);
  // Woken by a put from another thread (async, so that this thread's loop runs the worker).
  const w = startWatched(pacing, { role: 'consume', q, count: 2, seed: 0, bound: BOUND });
  try {
    await q.putAsync(1, MAIN_BOUND); // waits for the consumer to take the first item
    await messageWith(w, 'done');
  } finally {
    await w.terminate();
  }
  assert.deepEqual(flags(), [0, 0]);
});
