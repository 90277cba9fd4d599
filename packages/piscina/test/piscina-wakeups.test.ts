// The wake-up protocol between the main thread and the workers (dispatch/poller.ts, main-channel.ts,
// worker-channel.ts): each side parks only after announcing it (PARKED, MAIN_PARKED) and
// re-checking, the other side rings only when it reads that announcement, a pending main-thread
// wait is reused across parks, and results are announced in batches. A wake-up lost by any of
// these rules leaves a task unsettled: this hammer would then hang until its time bound (or, for a
// result deferred on purpose, be rescued only by main's park bound). It mixes, from a seed, what
// moves the two sides between spinning and parking: bursts of up to 3,000 tasks, one-at-a-time
// round trips, short CPU-bound tasks, payloads that go by MessagePort, and gaps of idle time.
// No timing assertions: every result must be right and every phase must end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Piscina } from '../src/index.js';
import { mulberry32 } from './prng.js';

const tasks = new URL('./fixtures/tasks.js', import.meta.url);

function payload(rand: () => number, i: number): unknown {
  const r = rand();
  if (r < 0.4) return i;
  if (r < 0.75) return { a: i, b: 1 };
  if (r < 0.95) return `s${i}`.repeat(1 + Math.floor(rand() * 20));
  // Larger than a ring may carry inline (RING_INLINE_MAX, 32 KiB): by MessagePort, in record order.
  return { big: 'x'.repeat(40_000 + Math.floor(rand() * 1000)), i };
}

/** One task: mostly tiny, sometimes a few tenths of a millisecond of CPU. */
function task(rand: () => number, i: number): { ms: number; v: unknown } {
  return { ms: rand() < 0.15 ? rand() * 0.3 : 0, v: payload(rand, i) };
}

async function hammer(pool: Piscina, seed: number, phases: number): Promise<number> {
  const rand = mulberry32(seed);
  let total = 0;
  for (let p = 0; p < phases; p++) {
    const kind = rand();
    if (kind < 0.35) {
      // A burst, of a size between 1 and 3,000 (mostly small).
      const n = 1 + Math.floor(rand() ** 3 * 3000);
      const args = Array.from({ length: n }, (_, i) => task(rand, i));
      const out = await Promise.all(args.map((a) => pool.run(a, { name: 'spinEcho' })));
      for (let i = 0; i < n; i++) assert.deepEqual(out[i], args[i].v, `phase ${p}, burst task ${i}`);
      total += n;
    } else if (kind < 0.7) {
      // Round trips, one at a time: the spin-or-park decisions of both sides on every task.
      const n = 1 + Math.floor(rand() * 300);
      for (let i = 0; i < n; i++) {
        const a = task(rand, i);
        assert.deepEqual(await pool.run(a, { name: 'spinEcho' }), a.v, `phase ${p}, round trip ${i}`);
      }
      total += n;
    } else if (kind < 0.85) {
      // A trickle: a few tasks in flight, new ones as old ones settle.
      const n = 1 + Math.floor(rand() * 400);
      const width = 1 + Math.floor(rand() * 8);
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < n) {
          const a = task(rand, next++);
          assert.deepEqual(await pool.run(a, { name: 'spinEcho' }), a.v, `phase ${p}, trickle`);
        }
      };
      await Promise.all(Array.from({ length: width }, lane));
      total += n;
    } else {
      // Idle: long enough for both sides to stop spinning and park, or just an event-loop turn.
      const r = rand();
      if (r < 0.5) await sleep(Math.floor(rand() * 6));
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return total;
}

for (const [label, options] of [
  ['default options', {}],
  ["atomics: 'async' (workers wait with waitAsync)", { atomics: 'async' as const }],
  ['concurrentTasksPerWorker: 3', { concurrentTasksPerWorker: 3 }],
  ['one thread', { minThreads: 1, maxThreads: 1 }],
] as const) {
  test(`wake-ups, ${label}: a seeded mix of bursts, round trips, trickles and idle gaps loses no task`, {
    timeout: 120_000,
  }, async () => {
    const pool = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2, ...options });
    try {
      for (const seed of [1, 2, 3]) {
        const before = pool.completed;
        const n = await hammer(pool, seed * 7919 + label.length, 40);
        assert.equal(pool.completed - before, n, `seed ${seed}: every task completed once`);
      }
    } finally {
      await pool.destroy();
    }
  });
}
