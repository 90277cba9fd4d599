// Worker pools: @sabkit/piscina against piscina, tinypool, workerpool, poolifier and a raw
// pipelined postMessage pool written here, in the same run, 2 threads each.
//
//   throughput   100k tiny tasks submitted at once (Promise.all), default options   tasks/s
//   roundtrip    one task at a time, await each: p50 / p90                            µs
//   idle-cpu     CPU the process burns while the pool sits idle (workers must park)  % of a core
//   cold-start   new pool -> first result, vs two raw `new Worker` -> first reply      ms
//   cpu-20ms     64 tasks of ~20 ms real work: speed-up over running them serially   ×
//   cpu-0.1ms    6,400 tasks of ~0.1 ms: speed-up over running them serially         ×
//                (median of 5 batches after one untimed batch, each impl alike; the pools'
//                batches interleaved in rotating order; with each, the main thread's CPU per
//                batch, where Linux reports it; and the machine's ceiling: each worker given its
//                share of the batch in one message, so the main thread does no work per task)
//
// Worker modules for each library are generated into a temp directory (with absolute paths to the
// libraries), so this file is the whole suite. The CPU-bound task is real work (an xorshift loop
// calibrated on this machine), never a timed spin, so speed-ups are honest.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { emit, progress, repeat, runsFor, percentile, QUICK } from '../lib/report.mjs';

const require = createRequire(import.meta.url);
const esm = (spec) => import.meta.resolve(spec);

// ---- the task, and worker modules per library ----
// One task function for every bench: x >= 0 is a tiny task (x + 1); x < 0 is CPU-bound work(-x);
// an object `{ a, b }` (piscina's README example) gives a + b. The throughput and round-trip
// benches run twice: numbers (the fast path) and `{ a: i, b: 1 }` (what users pass).

// xorshift32 for `n` rounds: real work the JIT cannot skip (the result is returned). The seed is
// a small integer on purpose: a seed above 2^31 starts `x` as a double, and V8 may then optimise
// the loop for doubles (3x slower) or not, depending on feedback timing, in each thread separately.
const WORK = [
  'function work(n) { let x = 123456789;',
  'for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; }',
  'return x >>> 0; }',
].join(' ');
// eslint-disable-next-line no-new-func
const work = new Function(`${WORK}; return work;`)();

const dir = mkdtempSync(join(tmpdir(), 'sabkit-bench-pool-'));
const file = (name, src) => {
  const p = join(dir, name);
  writeFileSync(p, src);
  return p;
};
const TASK = '(x) => (typeof x === "object" ? x.a + x.b : x >= 0 ? x + 1 : work(-x))';
const tasksFile = file('tasks.mjs', `${WORK}\nexport default ${TASK};\n`);
// Worker sources, one line of program text per element.
const workerpoolFile = file(
  'workerpool-worker.cjs',
  [
    WORK,
    `const workerpool = require(${JSON.stringify(require.resolve('workerpool'))});`,
    `workerpool.worker({ task: ${TASK} });`,
    '',
  ].join('\n'),
);
const poolifierFile = file(
  'poolifier-worker.mjs',
  [
    WORK,
    `import { ThreadWorker } from ${JSON.stringify(esm('poolifier'))};`,
    `export default new ThreadWorker(${TASK});`,
    '',
  ].join('\n'),
);
const rawFile = file(
  'raw-worker.mjs',
  [
    WORK,
    "import { parentPort } from 'node:worker_threads';",
    `const task = ${TASK};`,
    "parentPort.on('message', (m) => { parentPort.postMessage([m[0], task(m[1])]); });",
    "parentPort.postMessage('ready');",
    '',
  ].join('\n'),
);
const ceilingFile = file(
  'ceiling-worker.mjs',
  [
    WORK,
    "import { parentPort } from 'node:worker_threads';",
    "parentPort.on('message', ([n, k]) => { let r = 0; " +
      'for (let i = 0; i < k; i++) r ^= work(n); parentPort.postMessage(r); });',
    "parentPort.postMessage('ready');",
    '',
  ].join('\n'),
);

// ---- pools behind one interface: { run(x) -> Promise, close() } ----

const THREADS = 2;

async function sabkit() {
  const { Piscina } = await import('@sabkit/piscina');
  const pool = new Piscina({ filename: tasksFile, minThreads: THREADS, maxThreads: THREADS });
  return { run: (x) => pool.run(x), close: () => pool.destroy() };
}
/**
 * Another build of @sabkit/piscina, for before/after ratios inside one run (the machine is too noisy
 * to compare runs): SABKIT_POOL_BEFORE=<path to that build's dist/index.js> adds impl 'sabkit-before'.
 */
async function sabkitBefore() {
  const { Piscina } = await import(pathToFileURL(process.env.SABKIT_POOL_BEFORE).href);
  const pool = new Piscina({ filename: tasksFile, minThreads: THREADS, maxThreads: THREADS });
  return { run: (x) => pool.run(x), close: () => pool.destroy() };
}
async function piscina() {
  const { Piscina } = await import('piscina');
  const pool = new Piscina({ filename: tasksFile, minThreads: THREADS, maxThreads: THREADS });
  return { run: (x) => pool.run(x), close: () => pool.destroy() };
}
async function tinypool() {
  const { default: Tinypool } = await import('tinypool');
  const pool = new Tinypool({ filename: pathToFileURL(tasksFile).href, minThreads: THREADS, maxThreads: THREADS });
  return { run: (x) => pool.run(x), close: () => pool.destroy() };
}
async function workerpool() {
  const { default: wp } = await import('workerpool');
  const pool = wp.pool(workerpoolFile, { minWorkers: THREADS, maxWorkers: THREADS, workerType: 'thread' });
  return { run: (x) => pool.exec('task', [x]), close: () => pool.terminate(true) };
}
async function poolifier() {
  const { FixedThreadPool } = await import('poolifier');
  const pool = new FixedThreadPool(THREADS, poolifierFile, { errorHandler: (e) => console.error(e) });
  return { run: (x) => pool.execute(x), close: () => pool.destroy() };
}
/** The raw baseline: N workers, tasks posted round-robin without waiting (pipelined), replies matched by id. */
async function raw() {
  const workers = Array.from({ length: THREADS }, () => new Worker(rawFile));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  const pending = new Map();
  let next = 0;
  for (const w of workers) {
    w.on('message', (m) => {
      const p = pending.get(m[0]);
      pending.delete(m[0]);
      p(m[1]);
    });
  }
  return {
    run: (x) =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        workers[id % THREADS].postMessage([id, x]);
      }),
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

/**
 * Not a pool: the machine's ceiling for the speed-up benches. Each worker gets its share of a
 * batch in one message and answers once at the end, so the main thread does no work per task
 * (no wake-up per result, no scheduling). In principle no pool that resolves each task's promise
 * as it completes can do better; measured, the machine's run-to-run spread can put a single run
 * of a pool above it.
 */
async function ceiling() {
  const workers = Array.from({ length: THREADS }, () => new Worker(ceilingFile));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  return {
    batch: (count, n) =>
      Promise.all(
        workers.map((w, i) => {
          const share = Math.floor(count / THREADS) + (i < count % THREADS ? 1 : 0);
          return new Promise((r) => {
            w.once('message', r);
            w.postMessage([n, share]);
          });
        }),
      ),
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

// poolifier before workerpool: in the same process, a poolifier pool created right after a
// workerpool pool terminates never starts its tasks (seen with --quick), a problem between those two.
const IMPLS = { sabkit, piscina, tinypool, poolifier, workerpool, 'raw-postMessage': raw };
if (process.env.SABKIT_POOL_BEFORE) Object.assign(IMPLS, { 'sabkit-before': sabkitBefore });

/**
 * Runs one impl's part of a bench with a time limit. A peer pool that stalls (seen with poolifier
 * here: its tasks never start, and with nothing else pending the process exits with code 13) is
 * reported and skipped instead of ending the whole suite. `fn` registers its pools with `use`, so
 * that a stalled one is closed: its workers would otherwise run on through every bench after it
 * (a stalled poolifier pool left idle CPU at 0.6 % of a core for every pool measured later).
 * Returns whether `fn` finished. The limit is generous: on a loaded machine piscina's six rounds of
 * 100k `{ a, b }` tasks took over a minute, and a limit that cuts a slow peer short hides it.
 */
async function guarded(impl, fn, ms = 240_000) {
  let timer;
  const pools = [];
  const use = (pool) => {
    pools.push(pool);
    return pool;
  };
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${impl} did not finish within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([fn(use), limit]);
    return true;
  } catch (e) {
    console.error(`# ${impl}: skipped (${e.message})`);
    let wait;
    await Promise.race([
      Promise.allSettled(pools.map((p) => p.close())),
      new Promise((r) => (wait = setTimeout(r, 5000))),
    ]);
    clearTimeout(wait);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function warm(pool) {
  await Promise.all(Array.from({ length: QUICK ? 1000 : 2000 }, (_, i) => pool.run(i)));
}

// ---- benches ----

const ARGS = { number: (i) => i, '{ a, b }': (i) => ({ a: i, b: 1 }) };

async function throughput(payload) {
  const arg = ARGS[payload];
  const n = QUICK ? 10_000 : 100_000;
  for (const [impl, make] of Object.entries(IMPLS)) {
    await guarded(impl, async (use) => {
      const pool = use(await make());
      await warm(pool);
      const rates = await repeat(runsFor(5, 1), async () => {
        const t = performance.now();
        const ps = new Array(n);
        for (let i = 0; i < n; i++) ps[i] = pool.run(arg(i));
        await Promise.all(ps);
        return n / ((performance.now() - t) / 1000);
      });
      await pool.close();
      const what = `${n / 1000}k tiny tasks at once, ${payload} argument, ${THREADS} threads`;
      emit('pool-throughput', impl, what, rates, 'tasks/s');
    });
  }
}

async function roundtrip(payload) {
  const arg = ARGS[payload];
  const n = QUICK ? 2000 : 20_000;
  for (const [impl, make] of Object.entries(IMPLS)) {
    await guarded(impl, async (use) => {
      const pool = use(await make());
      await warm(pool);
      // The measured pattern first, for every impl's JIT.
      for (let i = 0; i < (QUICK ? 1000 : 5000); i++) await pool.run(arg(i));
      const p50s = [];
      const p90s = [];
      for (let r = 0; r < runsFor(3, 1); r++) {
        const lat = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          await pool.run(arg(i));
          lat[i] = (performance.now() - t) * 1000;
        }
        p50s.push(percentile(lat, 50));
        p90s.push(percentile(lat, 90));
      }
      await pool.close();
      emit('pool-roundtrip', impl, `sequential round trip p50, ${payload} argument`, p50s, 'µs');
      emit('pool-roundtrip', impl, `sequential round trip p90, ${payload} argument`, p90s, 'µs');
    });
  }
}

/** CPU time of the whole process (all threads) while an idle pool sits for `ms`, as % of one core. */
async function idleCpu() {
  const ms = QUICK ? 300 : 1000;
  for (const impl of ['sabkit', 'piscina'].filter((k) => k in IMPLS)) {
    const pool = await IMPLS[impl]();
    await warm(pool);
    await pool.run(1);
    await new Promise((r) => setTimeout(r, 200)); // let GC and spins settle first
    const samples = await repeat(
      runsFor(3, 1),
      async () => {
        const before = process.cpuUsage();
        const t = performance.now();
        await new Promise((r) => setTimeout(r, ms));
        const used = process.cpuUsage(before);
        return ((used.user + used.system) / 1000 / (performance.now() - t)) * 100;
      },
      0,
    );
    await pool.close();
    emit('pool-idle', impl, `process CPU while the pool idles ${ms} ms`, samples, '% of a core');
  }
}

async function coldStart() {
  const { Piscina } = await import('@sabkit/piscina');
  const { Piscina: P } = await import('piscina');
  const raw = async () => {
    const t = performance.now();
    const ws = [new Worker(rawFile), new Worker(rawFile)];
    await new Promise((r) => ws[0].once('message', r));
    const reply = new Promise((r) => ws[0].once('message', r));
    ws[0].postMessage([0, 1]);
    await reply;
    const dt = performance.now() - t;
    await Promise.all(ws.map((w) => w.terminate()));
    return dt;
  };
  const pool = (Ctor) => async () => {
    const t = performance.now();
    const p = new Ctor({ filename: tasksFile, minThreads: THREADS, maxThreads: THREADS });
    await p.run(1);
    const dt = performance.now() - t;
    // Untimed: let the second worker finish loading the task module before destroy(). piscina
    // 5.3.2 loads it with require(), and terminating a worker inside require() of an ES module
    // aborts the whole process on Node 20 and 24 (seen here in about 1 of 40 cold starts).
    await new Promise((r) => setTimeout(r, 100));
    await p.destroy();
    return dt;
  };
  const impls = { 'raw-2-workers': raw, sabkit: pool(Piscina), piscina: pool(P) };
  // Interleaved, in a rotating order, so that drift in the machine's speed hits every impl alike;
  // the extra over raw is the median of per-round differences.
  const names = Object.keys(impls);
  const times = Object.fromEntries(names.map((k) => [k, []]));
  for (const k of names) await impls[k](); // warm-up
  const rounds = runsFor(15, 5);
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < names.length; j++) {
      const k = names[(i + j) % names.length];
      times[k].push(await impls[k]());
    }
  }
  emit('pool-cold-start', 'raw-2-workers', 'two new Worker -> first reply', times['raw-2-workers'], 'ms');
  emit('pool-cold-start', 'sabkit', 'new pool (2 threads) -> first result', times.sabkit, 'ms');
  emit('pool-cold-start', 'piscina', 'new pool (2 threads) -> first result', times.piscina, 'ms');
  for (const k of ['sabkit', 'piscina']) {
    emit(
      'pool-cold-start',
      k,
      'extra over two raw new Worker (median of paired rounds)',
      times[k].map((v, i) => v - times['raw-2-workers'][i]),
      'ms',
    );
  }
}

/**
 * CPU time the main thread has used, in ms, from Linux's per-thread schedstat (undefined
 * elsewhere). The main thread shares the 2 cores with the workers, so every ms it spends per batch
 * is taken from them; it is also CPU the application does not get.
 */
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
function mainThreadCpuMs() {
  try {
    return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** Rounds of work() that take about `ms` on this thread, measured on optimised code. */
function calibrate(ms) {
  for (let i = 0; i < 200; i++) work(10_000); // let the JIT optimise it first
  let n = 100_000;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < 5; i++) work(n);
    const dt = (performance.now() - t) / 5;
    if (dt > 10) return Math.round((n * ms) / dt);
    n *= 2;
  }
}

/**
 * Speed-up of `count` tasks of ~`ms` over running them serially on this thread.
 *
 * Every pool is started, warmed and given one untimed batch first (the first batch of thousands of
 * tasks is ~15% slower for every pool here: V8 still optimising the task function in each worker
 * and growing the main thread's young generation, which measures JIT warm-up, not scheduling).
 * Then rounds of one timed batch per pool, in a rotating order, as in the cold-start bench. Drift
 * in the machine's speed, and V8's background work left over from earlier benches (GC, the memory
 * reducer, compilation), then hits every pool alike. Before, the pools ran one after another, and
 * the first in the list (sabkit) always ran right after the cold-start bench's ~100 pool starts and
 * stops. Idle pools cost nothing here: the process CPU with every pool of the bench idle is printed
 * too.
 */
async function speedup(bench, count, ms, impls) {
  const n = calibrate(ms);
  const serial = await repeat(runsFor(3, 1), () => {
    const t = performance.now();
    for (let i = 0; i < count; i++) work(n);
    return performance.now() - t;
  });
  const serialMs = emit(bench, 'serial', `${count} tasks of ~${ms} ms on the main thread`, serial, 'ms');
  const batch = async (pool, main) => {
    const c = mainThreadCpuMs();
    const t = performance.now();
    if (pool.batch !== undefined) await pool.batch(count, n);
    else await Promise.all(Array.from({ length: count }, () => pool.run(-n)));
    const ratio = serialMs / (performance.now() - t);
    if (main !== undefined && c !== undefined) main.push(mainThreadCpuMs() - c);
    return ratio;
  };
  const live = [];
  for (const impl of [...impls, 'ceiling']) {
    let pool;
    const ok = await guarded(impl, async (use) => {
      pool = use(await (impl === 'ceiling' ? ceiling() : IMPLS[impl]()));
      if (pool.run !== undefined) {
        await warm(pool);
        await Promise.all(Array.from({ length: THREADS * 4 }, () => pool.run(-n)));
      }
      await batch(pool);
    });
    if (ok) live.push({ impl, pool, ratios: [], main: [], ok: true });
  }
  await new Promise((r) => setTimeout(r, 200));
  const before = process.cpuUsage();
  const t = performance.now();
  await new Promise((r) => setTimeout(r, 500));
  const used = process.cpuUsage(before);
  emit(
    bench,
    'all-idle',
    `process CPU while the ${live.length} pools of this bench idle 500 ms`,
    [((used.user + used.system) / 1000 / (performance.now() - t)) * 100],
    '% of a core',
  );
  const rounds = runsFor(5, 1);
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < live.length; j++) {
      const e = live[(i + j) % live.length];
      if (e.ok) e.ok = await guarded(e.impl, async (use) => e.ratios.push(await batch(use(e.pool), e.main)));
    }
  }
  for (const e of live) {
    if (!e.ok) continue;
    await e.pool.close();
    emit(
      bench,
      e.impl,
      e.impl === 'ceiling'
        ? `speed-up over serial, ${THREADS} threads, one message per worker per batch (the machine's ceiling)`
        : `speed-up over serial, ${THREADS} threads`,
      e.ratios,
      '×',
    );
    if (e.main.length > 0) emit(bench, e.impl, 'main-thread CPU per batch', e.main, 'ms');
  }
}

// Focused runs (one engineer holds the bench lock at a time, a few minutes at most):
//   SABKIT_POOL_BENCHES=throughput,roundtrip,idle,cold,cpu-20ms,cpu-0.1ms (default: all)
//   SABKIT_POOL_IMPLS=sabkit,piscina,raw-postMessage (default: all; the ceiling always runs)
const pick = (env, names) => {
  const v = process.env[env];
  if (v === undefined || v === '') return names;
  const want = v.split(',');
  return names.filter((n) => want.includes(n));
};
// In the order SABKIT_POOL_IMPLS names them (the first impl of a bench runs on a fresher process).
const order = (process.env.SABKIT_POOL_IMPLS ?? '').split(',').filter((k) => k in IMPLS);
const keep = order.length > 0 ? order : Object.keys(IMPLS);
const chosen = Object.fromEntries(keep.map((k) => [k, IMPLS[k]]));
for (const k of Object.keys(IMPLS)) delete IMPLS[k];
Object.assign(IMPLS, chosen);
const benches = pick('SABKIT_POOL_BENCHES', ['throughput', 'roundtrip', 'idle', 'cold', 'cpu-20ms', 'cpu-0.1ms']);
const all = Object.keys(IMPLS);
const few = QUICK ? all.filter((k) => ['sabkit', 'sabkit-before', 'piscina', 'raw-postMessage'].includes(k)) : all;
for (const payload of benches.includes('throughput') ? Object.keys(ARGS) : []) {
  progress(`pool: throughput, ${payload} argument`);
  await throughput(payload);
}
for (const payload of benches.includes('roundtrip') ? Object.keys(ARGS) : []) {
  progress(`pool: round trip, ${payload} argument`);
  await roundtrip(payload);
}
if (benches.includes('idle')) {
  progress('pool: idle CPU');
  await idleCpu();
}
if (benches.includes('cold')) {
  progress('pool: cold start (in one process)');
  await coldStart();
}
if (benches.includes('cpu-20ms')) {
  progress('pool: 64 tasks of 20 ms');
  await speedup('pool-cpu-20ms', QUICK ? 16 : 64, 20, few);
}
if (benches.includes('cpu-0.1ms')) {
  progress('pool: 6,400 tasks of 0.1 ms');
  await speedup('pool-cpu-0.1ms', QUICK ? 1600 : 6400, 0.1, few);
}
