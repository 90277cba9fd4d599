// How task modules load (worker/loader.ts): require() first, import() for what require refuses,
// and never a worker terminated inside require() of an ES module, which aborts the whole process
// on Node 20 and 24 (`Assertion failed: facade->InstantiateModule`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Piscina } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sabkit-modules-'));
function file(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

test('module shapes: ESM, CommonJS, CommonJS compiled from ESM, top-level await, a Promise export', {
  timeout: 30_000,
}, async () => {
  const shapes: [string, string, string?][] = [
    [file('esm.mjs', 'export default (x) => x + 1; export const twice = (x) => 2 * x;'), 'default'],
    [file('esm-named.mjs', 'export default (x) => x + 1; export const twice = (x) => 2 * x;'), 'twice'],
    [file('cjs.cjs', 'module.exports = (x) => x + 1;'), 'default'],
    [
      file('cjs-props.cjs', 'function add(x) { return x + 1; } add.twice = (x) => 2 * x; module.exports = add;'),
      'twice',
    ],
    [
      file(
        'cjs-from-esm.cjs',
        'Object.defineProperty(exports, "__esModule", { value: true }); exports.default = (x) => x + 1; ' +
          'exports.twice = (x) => 2 * x;',
      ),
      'default',
    ],
    [file('tla.mjs', 'const f = await Promise.resolve((x) => x + 1); export default f;'), 'default'],
    [file('delayed.mjs', 'export default new Promise((r) => setTimeout(() => r((x) => x + 1), 5));'), 'default'],
  ];
  const pool = new Piscina({ filename: shapes[0][0], maxThreads: 2 });
  try {
    for (const [filename, name] of shapes) {
      const want = name === 'twice' ? 20 : 11;
      assert.equal(await pool.run(10, { filename, name }), want, `${filename} ${name}`);
    }
    // A CommonJS module that requires something missing fails with that, its top level run once.
    const runs = new Int32Array(new SharedArrayBuffer(4));
    const nestedPool = new Piscina({ filename: shapes[0][0], maxThreads: 1, workerData: { runs: runs.buffer } });
    try {
      const nested = file(
        'nested-missing.cjs',
        'const { workerData } = require("node:worker_threads"); Atomics.add(new ' +
          'Int32Array(workerData.runs), 0, 1); require("./no-such-dependency.cjs");',
      );
      await assert.rejects(
        nestedPool.run(1, { filename: nested }),
        (e: Error) => e.name === 'TaskModuleError' && /no-such-dependency/.test(e.message),
      );
      assert.equal(Atomics.load(runs, 0), 1, 'the module body ran once');
    } finally {
      await nestedPool.destroy();
    }
    // A module whose top level throws fails its tasks with the thrown error as the cause.
    const broken = file('broken.mjs', 'throw new RangeError("top-level failure");');
    await assert.rejects(
      pool.run(1, { filename: broken }),
      (e: Error) => e.name === 'TaskModuleError' && /top-level failure/.test(e.message) && e.cause instanceof Error,
    );
  } finally {
    await pool.destroy();
  }
});

test('a worker loading a task module is terminated only once the load is over', { timeout: 30_000 }, async () => {
  // The module's top level marks that it started, works 150 ms, then marks that it finished.
  // destroy() lands in the middle; terminating there could abort the process (inside require of
  // an ES module), so the worker must be stopped only after the load.
  const slow = file(
    'slow-top.mjs',
    `import { workerData } from 'node:worker_threads';
const flags = new Int32Array(workerData.flags);
Atomics.store(flags, 1, 1);
const end = performance.now() + 150;
while (performance.now() < end);
Atomics.store(flags, 0, 1);
export default (x) => x;`,
  );
  const quick = file('quick.mjs', 'export default (x) => x;');
  for (let round = 0; round < 3; round++) {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const pool = new Piscina({ filename: quick, minThreads: 1, maxThreads: 1, workerData: { flags: flags.buffer } });
    assert.equal(await pool.run(round), round, 'the worker is up');
    const pending = pool.run(1, { filename: slow }).catch((e: Error) => e);
    const deadline = Date.now() + 10_000;
    while (Atomics.load(flags, 1) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    assert.equal(Atomics.load(flags, 1), 1, 'the module started loading');
    await pool.destroy();
    assert.equal(Atomics.load(flags, 0), 1, 'the worker was terminated only after the module loaded');
    const outcome = await pending;
    assert.ok(
      outcome instanceof Error && outcome.name === 'PoolClosedError',
      `the pending task was rejected by destroy: ${String(outcome)}`,
    );
  }
});
