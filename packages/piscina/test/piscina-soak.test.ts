// A 10^5-task soak: every result correct, and the main thread's heap does not grow with the
// number of tasks (nothing per task is retained: no task records, no deadline entries, no slots).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Piscina } from '../src/index.js';
import { mulberry32 } from './prng.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const tasks = new URL('./fixtures/tasks.js', import.meta.url);

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

test('10^5 tasks: all correct, main-thread heap flat', { timeout: 120_000 }, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 2, maxThreads: 2, taskTimeout: 60_000 });
  const rand = mulberry32(12345);
  const batches = 10;
  const perBatch = 10_000;
  let baseline = 0;
  try {
    for (let b = 0; b < batches; b++) {
      const values = Array.from({ length: perBatch }, (_, i) => {
        const r = rand();
        return r < 0.4
          ? i
          : r < 0.7
            ? `v${i}`
            : r < 0.9
              ? { i, tag: 'obj', list: [i, i + 1] }
              : new Float64Array([i, r]);
      });
      const out = await Promise.all(values.map((v) => pool.run(v, { name: 'echo' })));
      for (let i = 0; i < perBatch; i++) assert.deepEqual(out[i], values[i]);
      if (b === 1) baseline = await heapAfterGc();
    }
    const end = await heapAfterGc();
    assert.equal(pool.completed, batches * perBatch);
    const growthMB = (end - baseline) / 1048576;
    assert.ok(growthMB < 8, `heap grew by ${growthMB.toFixed(1)} MiB over ${(batches - 2) * perBatch} tasks`);
  } finally {
    await pool.destroy();
  }
});
