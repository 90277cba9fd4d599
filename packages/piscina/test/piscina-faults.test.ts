// Fault injection (issue 20), pool tasks: 1,000 tasks (SABKIT_FAULT_ROUNDS) on a 2-worker pool, a
// seeded 2% (SABKIT_FAULT_KILL) of which kill their worker: process.exit, an uncaught throw, or a
// hang ended by terminate() from the test. Invariants: every task settles exactly once and within
// the test's bound (no hang), every ordinary task resolves with its own result (none lost, none
// duplicated or swapped, even when queued behind a dying worker), each killing task rejects with
// WorkerCrashError, and the pool is back to two workers and runs tasks after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Piscina, WorkerCrashError } from '../src/index.js';
import { mulberry32 } from './prng.js';

const ROUNDS = Number(process.env.SABKIT_FAULT_ROUNDS ?? 1000);
const KILL = Number(process.env.SABKIT_FAULT_KILL ?? 0.02);
const SEED = Number(process.env.SABKIT_FAULT_SEED ?? 20);
const tasks = new URL('./fixtures/fault-tasks.js', import.meta.url);

test(`fault injection: ${ROUNDS} pool tasks, ${KILL * 100}% of them kill their worker`, {
  timeout: 60_000 + ROUNDS * 200,
}, async (t) => {
  const pool = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2 });
  const rng = mulberry32(SEED);
  const byHow = [0, 0, 0, 0];
  const settled = new Int32Array(ROUNDS);
  let wrong = 0;
  try {
    const window = 8; // tasks in flight: some are queued behind the worker that dies
    let next = 0;
    const one = async (): Promise<void> => {
      const i = next++;
      const how = rng() < KILL ? 1 + Math.floor(rng() * 3) : 0;
      byHow[how]++;
      const running = new Int32Array(new SharedArrayBuffer(4));
      const p = pool.run({ i, how, running });
      if (how === 3) {
        // Terminate the worker running it, once it runs (never a worker that is still loading).
        for (let k = 0; k < 2_000 && Atomics.load(running, 0) === 0; k++) await new Promise((r) => setTimeout(r, 5));
        const id = Atomics.load(running, 0) - 1;
        const w = pool.threads.find((x) => x.threadId === id);
        assert.ok(w, `the worker running task ${i} (thread ${id}) is in pool.threads`);
        await w.terminate();
      }
      try {
        const r = await p;
        settled[i]++;
        if (how !== 0 || r !== i * 2) wrong++;
      } catch (e) {
        settled[i]++;
        if (how === 0 || !(e instanceof WorkerCrashError)) {
          wrong++;
          t.diagnostic(`task ${i} (how ${how}): ${e}`);
        }
      }
    };
    const lanes = Array.from({ length: window }, async () => {
      while (next < ROUNDS) await one();
    });
    await Promise.all(lanes);
    t.diagnostic(`kills: exit ${byHow[1]}, throw ${byHow[2]}, terminate ${byHow[3]}; ordinary ${byHow[0]}`);
    assert.equal(wrong, 0, 'every ordinary task resolves with its own result; every killing task rejects');
    assert.deepEqual([...new Set(settled)], [1], 'every task settled exactly once');
    assert.equal(await pool.run({ i: 21, how: 0 }), 42);
    assert.equal(pool.threads.length, 2);
  } finally {
    await pool.destroy();
  }
});
