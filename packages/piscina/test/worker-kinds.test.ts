// A pool worker loads the sabkit kinds (the package indexes of atomics-sync and typed-struct) only
// when a task first carries a sabkit object (worker/entry.ts, loadKinds; atomics-sync's
// setKindLoader): never in the background, and a task whose module imports no sabkit package still
// gets its Lock, Value and struct array live. Both builds: the published one (dist/, the worker
// is one CommonJS bundle) and the tests' one (src/ compiled file by file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lock, Value } from '@sabkit/atomics-sync';
import { struct } from '@sabkit/typed-struct';
import { Piscina as DistPiscina } from '@sabkit/piscina';
import { Piscina as SrcPiscina } from '../src/index.js';

// No sabkit import: only the pool can have registered the kinds this module's tasks receive.
// require.cache is the worker thread's own: it lists what this worker has loaded.
const TASK = `
const loaded = (pkg) =>
  Object.keys(require.cache).some((k) => k.replace(/\\\\/g, '/').includes(pkg + '/dist/cjs/index.js'));
const state = () => ({ atomicsSync: loaded('atomics-sync'), typedStruct: loaded('typed-struct') });
exports.probe = (arg) => ({ echo: arg, ...state() });
exports.useShared = ({ lock, counter, points }) => {
  lock.acquire();
  counter.value += 1;
  lock.release();
  points.get(1).x = 2.5;
  return {
    ...state(),
    classes: [lock.constructor.name, counter.constructor.name, points.constructor.name],
  };
};
`;

const dir = mkdtempSync(join(tmpdir(), 'sabkit-worker-kinds-'));
const filename = join(dir, 'kinds-task.cjs');
writeFileSync(filename, TASK);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const [build, Pool] of [
  ['published build (dist)', DistPiscina],
  ["tests' build (src)", SrcPiscina],
] as const) {
  test(`${build}: no kinds loaded until a task carries a sabkit object, then it arrives live`, {
    timeout: 30_000,
  }, async () => {
    const pool = new Pool({ filename, minThreads: 1, maxThreads: 1 });
    try {
      // Plain arguments, with idle time between them: an eager or background load of the kinds
      // (what this replaced: ~50 ms after the worker was ready) shows up here.
      const plain: unknown[] = [1, 'text', { a: 1, b: 2 }, [1, { c: [2, 3] }], new Map([['k', { v: 1 }]])];
      for (const arg of plain) {
        const r = (await pool.run(arg, { name: 'probe' })) as { echo: unknown; atomicsSync: boolean };
        assert.deepEqual(r, { echo: arg, atomicsSync: false, typedStruct: false }, 'nothing loaded yet');
        await sleep(150);
      }
      const P = struct({ id: 'u32', x: 'f64' }, { name: 'KindsTestPoint' });
      const points = P.array(2);
      const counter = new Value('i32', 0);
      const r = await pool.run({ lock: new Lock(), counter, points }, { name: 'useShared' });
      assert.deepEqual(r, {
        atomicsSync: true,
        typedStruct: true,
        classes: ['Lock', 'Value', 'StructArray'],
      });
      assert.equal(counter.value, 1, "the worker's Value is this one, live");
      assert.equal(points.get(1).x, 2.5, "the worker's struct array is this one, live");
      // Loaded once; later tasks revive from the registry.
      const again = new Value('i32', 41);
      const r2 = (await pool.run({ lock: new Lock(), counter: again, points }, { name: 'useShared' })) as {
        classes: string[];
      };
      assert.deepEqual(r2.classes, ['Lock', 'Value', 'StructArray']);
      assert.equal(again.value, 42);
    } finally {
      await pool.destroy();
    }
  });
}
