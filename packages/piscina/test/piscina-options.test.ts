// Pool options: piscina's defaults, validation (piscina's error classes and messages, sabkit's
// own checks), and that only the options object's own properties are read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { FixedQueue, Piscina, type PiscinaLoadBalancer } from '../src/index.js';
import { Histogram } from '../src/engine/histogram.js';

const tasks = new URL('./fixtures/tasks.js', import.meta.url);

test('options: defaults as piscina, and every bad value rejected with a named error', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: tasks });
  try {
    const o = pool.options;
    assert.equal(o.minThreads, Math.max(1, Math.floor(availableParallelism() / 2)));
    assert.equal(o.maxThreads, Math.floor(availableParallelism() * 1.5));
    assert.equal(o.idleTimeout, 0);
    assert.equal(o.maxQueue, Infinity);
    assert.equal(o.concurrentTasksPerWorker, 1);
    assert.equal(o.closeTimeout, 30_000);
    assert.equal(o.recordTiming, true);
    assert.equal(o.taskTimeout, Infinity);
    assert.equal(o.maxTasksPerWorker, Infinity);
    assert.equal(o.maxWorkerHeapMB, Infinity);
    assert.equal(o.name, 'default');
    assert.ok(o.taskQueue instanceof FixedQueue);
    assert.equal(o.workerHistogram, false);
    assert.equal(o.niceIncrement, 0);
    assert.equal(o.stricterFIFO, false);
    assert.equal(o.loadBalancer, undefined);
    assert.equal(Object.getPrototypeOf(o), null);
  } finally {
    await pool.destroy();
  }
  assert.equal(new Piscina({ maxThreads: 4, maxQueue: 'auto', minThreads: 0 }).options.maxQueue, 16);
  // Options piscina checks fail as piscina's do (TypeError, its exact message; RangeError for the
  // conflict); sabkit's own name the value. Every one carries the stable code.
  const bad: [object, RegExp, ErrorConstructor][] = [
    [{ minThreads: -1 }, /^options\.minThreads must be a non-negative integer$/, TypeError],
    [{ minThreads: 1.5 }, /^options\.minThreads must be a non-negative integer$/, TypeError],
    [{ maxThreads: 0 }, /^options\.maxThreads must be a positive integer$/, TypeError],
    [{ maxThreads: Number.NaN }, /^options\.maxThreads must be a positive integer$/, TypeError],
    [{ maxThreads: '4' }, /^options\.maxThreads must be a positive integer$/, TypeError],
    [{ minThreads: 3, maxThreads: 2 }, /^options\.minThreads and options\.maxThreads must not conflict$/, RangeError],
    [{ idleTimeout: -5 }, /^options\.idleTimeout must be a non-negative integer$/, TypeError],
    [{ idleTimeout: Number.NaN }, /^options\.idleTimeout must be a non-negative integer$/, TypeError],
    [{ maxQueue: 'lots' }, /^options\.maxQueue must be a non-negative integer$/, TypeError],
    [{ maxQueue: Number.NaN }, /^options\.maxQueue must be a non-negative integer$/, TypeError],
    [{ concurrentTasksPerWorker: 0 }, /^options\.concurrentTasksPerWorker must be a positive integer$/, TypeError],
    [{ atomics: 'maybe' }, /^options\.atomics should be a value of sync, sync or disabled\.$/, TypeError],
    [{ resourceLimits: 5 }, /^options\.resourceLimits must be an object$/, TypeError],
    [{ execArgv: [1] }, /execArgv must be an array of strings/, TypeError],
    [{ taskQueue: {} }, /^options\.taskQueue must be a TaskQueue object$/, TypeError],
    [{ taskQueue: null }, /^options\.taskQueue must be a TaskQueue object$/, TypeError],
    [{ recordTiming: 'yes' }, /recordTiming must be a boolean, got/, TypeError],
    [{ trackUnmanagedFds: 1 }, /^options\.trackUnmanagedFds must be a boolean value$/, TypeError],
    [{ closeTimeout: -1 }, /^options\.closeTimeout must be a non-negative integer$/, TypeError],
    [{ workerHistogram: 1 }, /^options\.workerHistogram must be a boolean$/, TypeError],
    [{ stricterFIFO: 'yes' }, /^options\.stricterFIFO must be a boolean$/, TypeError],
    [{ niceIncrement: -1 }, /^options\.niceIncrement must be a non-negative integer on Unix systems$/, TypeError],
    [{ niceIncrement: 'x' }, /^options\.niceIncrement must be a non-negative integer on Unix systems$/, TypeError],
    [{ loadBalancer: 'least-busy' }, /^options\.loadBalancer must be a function/, TypeError],
    [{ maxTasksPerWorker: 0 }, /maxTasksPerWorker/, TypeError],
    [{ maxWorkerHeapMB: -1 }, /maxWorkerHeapMB/, TypeError],
    [{ filename: 5 }, /^options\.filename must be a string or null$/, TypeError],
    [{ filename: '' }, /^options\.filename must be an absolute path, a file URL or a URL/, TypeError],
    [{ name: 5 }, /^options\.name must be a string or null$/, TypeError],
  ];
  for (const [opts, re, cls] of bad)
    assert.throws(
      () => new Piscina({ minThreads: 0, ...opts } as never),
      (e: unknown) =>
        e instanceof cls &&
        (e as { code?: string }).code === 'ERR_SABKIT_INVALID_ARGUMENT' &&
        re.test((e as Error).message),
      JSON.stringify(opts),
    );
});

test('new piscina options are validated and kept: workerHistogram, niceIncrement, stricterFIFO, loadBalancer', () => {
  const loadBalancer: PiscinaLoadBalancer = (_task, workers) => workers[0] ?? null;
  const o = new Piscina({ minThreads: 0, workerHistogram: true, niceIncrement: 5, stricterFIFO: true, loadBalancer })
    .options;
  assert.equal(o.workerHistogram, true);
  assert.equal(o.niceIncrement, 5);
  assert.equal(o.stricterFIFO, true);
  assert.equal(o.loadBalancer, loadBalancer);
});

const polluted = ['execArgv', 'env', 'name', 'filename', 'loadBalancer', 'argv', 'resourceLimits', 'maxThreads'];

test('options are own properties only: a polluted Object.prototype or an inherited option is ignored', {
  timeout: 30_000,
}, async () => {
  const proto = Object.prototype as Record<string, unknown>;
  proto.execArgv = ['--not-a-real-flag'];
  proto.env = { POLLUTED: '1' };
  proto.name = 'no-such-export';
  proto.filename = '/no/such/file.js';
  proto.loadBalancer = () => null;
  proto.argv = ['polluted'];
  proto.resourceLimits = { maxOldGenerationSizeMb: 1 };
  proto.maxThreads = 'many';
  let pool: Piscina | undefined;
  try {
    pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1 });
    for (const key of polluted.filter((k) => !['maxThreads', 'name', 'filename'].includes(k)))
      assert.equal((pool.options as unknown as Record<string, unknown>)[key], undefined, key);
    assert.equal(pool.options.name, 'default');
    assert.equal(await pool.run(3, { name: 'echo' }), 3);
    // run()'s options too: the pool's name is used, not the polluted one.
    assert.equal(await pool.run({ a: 1, b: 2 }), 3);
  } finally {
    for (const key of polluted) delete proto[key];
    await pool?.destroy();
  }
  // An option inherited from the options object's own prototype is not an option either.
  const inherited = Object.create({ filename: 'nowhere.js', minThreads: -1, atomics: 'bogus' });
  const p2 = new Piscina(Object.assign(inherited, { minThreads: 0 }));
  assert.equal(p2.options.filename, null);
  assert.equal(p2.options.atomics, 'sync');
  await p2.destroy();
});

test('recordTiming: false leaves runTime and waitTime undefined; an empty histogram has NaN mean', {
  timeout: 30_000,
}, async () => {
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, recordTiming: false });
  try {
    assert.equal(await pool.run(1, { name: 'echo' }), 1);
    assert.equal(pool.histogram.runTime, undefined);
    assert.equal(pool.histogram.waitTime, undefined);
    assert.equal(pool.runTime, undefined);
    assert.equal(pool.utilization, 0);
  } finally {
    await pool.destroy();
  }
  const h = new Histogram();
  const empty = h.summary();
  assert.ok(Number.isNaN(empty.mean) && Number.isNaN(empty.average) && Number.isNaN(empty.stddev));
  assert.equal(empty.max, 0);
  assert.equal(empty.p50, 0);
  // As piscina's microsecond histograms: nothing is recorded below 1 µs.
  h.record(0);
  h.record(-3);
  assert.equal(h.summary().min, 0.001);
  assert.equal(h.summary().stddev, 0);
});
