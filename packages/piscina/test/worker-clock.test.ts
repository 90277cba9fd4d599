// The pool worker's clock (dispatch/clock.ts): process.hrtime with main's epoch offset instead of
// `performance`, whose first read in a fresh worker loads perf_hooks (~10 internal modules) on the
// first task's path. The start times workers stamp must still be main's epoch clock: main turns
// them into wait times and timeouts. No timings asserted: a wait is checked against what the test
// made it wait, within what the test itself measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Piscina } from '../src/index.js';

const tasks = new URL('./fixtures/tasks.js', import.meta.url).href;
// A task module that imports nothing (tasks.js loads the packages, which may read `performance`).
const probe = new URL('./fixtures/perf-probe.js', import.meta.url).href;

test('a fresh pool worker runs its first task without loading perf_hooks (published build)', {
  timeout: 60_000,
}, () => {
  const script = [
    "const { Piscina } = await import('@sabkit/piscina');",
    `const pool = new Piscina({ filename: ${JSON.stringify(probe)}, minThreads: 1, maxThreads: 1 });`,
    'const first = await pool.run(null);',
    // A timed task makes the worker stamp its start into its slot (the deadline is counted from it).
    'const timed = await pool.run(null, { timeout: 5_000 });',
    `const sum = await pool.run({ a: 2, b: 3 }, { filename: ${JSON.stringify(tasks)} });`,
    'await pool.destroy();',
    'console.log(JSON.stringify({ first, timed, sum }));',
  ];
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script.join('\n')], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    encoding: 'utf8',
    timeout: 50_000,
  });
  assert.equal(r.status, 0, `${r.signal} ${r.stderr}`);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}'), { first: false, timed: false, sum: 5 });
});

test("the start a worker stamps is main's epoch clock: wait times match the wait the test made", {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1 });
  try {
    await pool.run(1, { name: 'echo' }); // booted
    for (let round = 0; round < 3; round++) {
      pool.histogram.resetWaitTime();
      const t0 = performance.now();
      // One thread: `echo` starts only once `sleep` has run its 60 ms, so it waits at least that long.
      const both = Promise.all([pool.run(60, { name: 'sleep' }), pool.run(round, { name: 'echo' })]);
      assert.deepEqual(await both, [60, round]);
      const elapsed = performance.now() - t0;
      const { min, max } = pool.histogram.waitTime;
      // setTimeout may fire up to 1 ms early; each bound is also off by clock-read rounding (< 1 ms).
      assert.ok(min >= -1, `sleep's wait ${min} ms: before it was submitted`);
      assert.ok(max >= 58 && max <= elapsed + 1, `echo's wait ${max} ms, expected 58..${elapsed + 1}`);
    }
  } finally {
    await pool.destroy();
  }
});
