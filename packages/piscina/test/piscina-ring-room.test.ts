// A request ring that fills up (main-channel.ts ROOM_ASKED / worker-channel.ts releaseRequests):
// bursts whose records overflow the 128 KiB request ring, so that tasks wait in the pool's queue
// and are handed over only when the worker frees room. Seeded sizes and payloads, one and two
// workers. Without the worker's answer to ROOM_ASKED, main could read every response, park with
// tasks in its queue, and the worker go idle: the test then hangs into its timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Piscina } from '../src/index.js';
import { mulberry32 } from './prng.js';

const tasks = new URL('./fixtures/tasks.js', import.meta.url);

for (const threads of [1, 2]) {
  test(`request ring full, ${threads} thread(s): every task of bursts larger than the ring completes`, {
    timeout: 90_000,
  }, async () => {
    const pool = new Piscina({ filename: tasks, minThreads: threads, maxThreads: threads });
    const rand = mulberry32(4242 + threads);
    try {
      let total = 0;
      for (let burst = 0; burst < 60; burst++) {
        // 600-3,000 records of 100-600 bytes: 60 KiB to 1.8 MiB of requests per burst.
        const n = 600 + Math.floor(rand() * 2400);
        const args = Array.from({ length: n }, (_, i) => ({
          ms: rand() < 0.02 ? rand() * 0.2 : 0,
          v: `${burst}:${i}:`.padEnd(100 + Math.floor(rand() * 500), 'x'),
        }));
        const out = await Promise.all(args.map((a) => pool.run(a, { name: 'spinEcho' })));
        for (let i = 0; i < n; i++) assert.equal(out[i], args[i].v, `burst ${burst}, task ${i}`);
        total += n;
      }
      assert.equal(pool.completed, total);
    } finally {
      await pool.destroy();
    }
  });
}
