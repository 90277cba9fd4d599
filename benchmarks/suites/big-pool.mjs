// A big pool on a small machine: Pool(200) on 2 cores, each measurement in a fresh process.
//   big-pool.construct   how long `new Pool(200)` holds the caller (ms until the constructor
//                        returns), and the longest the event loop stalled from then until all
//                        200 workers ran a task at once (setInterval(1) probe: max gap, ms)
//   big-pool.start-all   new Pool(200) -> 200 tasks running at once (each waits for the other 199),
//                        so every worker has started: wall ms
//   big-pool.map-1k      new Pool(200) -> map(x => x * x, 1,000 items) resolved: wall ms, and the
//                        longest event-loop stall meanwhile (ms)
//   big-pool.cold-small  a small pool's cold start: `new Piscina()` (defaults) -> first result, and
//                        `new Pool()` -> first apply() result, in a fresh process: ms
// Impls: sabkit's Pool (multiprocessing, on @sabkit/piscina), npm piscina 5.3.2 (minThreads =
// maxThreads = 200, one run() per item, as its README maps), and plain worker_threads (200
// `new Worker` in a loop, chunks of 2 items posted round-robin: what one writes by hand).
// SABKIT_BIG_POOL_BASE=<path to another checkout's packages/> adds "sabkit (base)", the same
// measurements against that build, for before/after figures in one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { QUICK, emit, runsFor } from '../lib/report.mjs';

const N = 200;
const ITEMS = 1000;
const CHILD_LIMIT_MS = 300_000;
const self = fileURLToPath(import.meta.url);

/** Longest gap between setInterval(1) callbacks from start() until stop(). */
function loopProbe() {
  let last = performance.now();
  let max = 0;
  const iv = setInterval(() => {
    const now = performance.now();
    if (now - last > max) max = now - last;
    last = now;
  }, 1);
  return () => {
    clearInterval(iv);
    const now = performance.now();
    return Math.max(max, now - last);
  };
}

// Each task waits (bounded) until all N run at once: every worker has started.
const BARRIER = (c, i) => {
  Atomics.add(c, 0, 1);
  Atomics.notify(c, 0);
  const end = Date.now() + 120_000;
  let v = Atomics.load(c, 0);
  while (v < 200 && Date.now() < end) {
    Atomics.wait(c, 0, v, 100);
    v = Atomics.load(c, 0);
  }
  return v >= 200 ? i : -1;
};
const SQUARE = (x) => x * x;

const dir = mkdtempSync(join(tmpdir(), 'sabkit-bench-big-pool-'));
const taskFile = join(dir, 'task.cjs');
writeFileSync(taskFile, `const B = ${BARRIER.toString()};\nmodule.exports = (m) => (m.c ? B(m.c, m.i) : m.x * m.x);\n`);
const plainFile = join(dir, 'plain.cjs');
writeFileSync(
  plainFile,
  [
    "const { parentPort } = require('node:worker_threads');",
    `const B = ${BARRIER.toString()};`,
    'parentPort.on("message", (m) => parentPort.postMessage({ id: m.id, out: m.c ? [B(m.c, m.i)] :',
    '  m.items.map((x) => x * x) }));',
    '',
  ].join('\n'),
);

const mpAt = (packages) => pathToFileURL(join(packages, 'multiprocessing/dist/index.js')).href;
const piscinaAt = (packages) => pathToFileURL(join(packages, 'piscina/dist/index.js')).href;
// SABKIT_BIG_POOL_HEAD: measure another build as "sabkit" (e.g. a copy, while this tree rebuilds).
const HERE_PACKAGES = process.env.SABKIT_BIG_POOL_HEAD ?? join(self, '../../../packages');

const pools = {
  async sabkit(packages) {
    const { Pool } = await import(mpAt(packages));
    return {
      make: () => new Pool(N),
      map: (p, items) => p.map(SQUARE, items),
      all: (p, c) =>
        p.starmap(
          BARRIER,
          Array.from({ length: N }, (_, i) => [c, i]),
          1,
        ),
      close: (p) => p.terminate(),
    };
  },
  async piscina() {
    const { Piscina } = await import('piscina');
    return {
      make: () => new Piscina({ filename: taskFile, minThreads: N, maxThreads: N, idleTimeout: 60_000 }),
      map: (p, items) => Promise.all(items.map((x) => p.run({ x }))),
      all: (p, c) => Promise.all(Array.from({ length: N }, (_, i) => p.run({ c, i }))),
      close: (p) => p.destroy(),
    };
  },
  async plain() {
    const { Worker } = await import('node:worker_threads');
    let next = 0;
    const call = (w, msg) =>
      new Promise((resolve) => {
        const id = next++;
        const on = (m) => {
          if (m.id !== id) return;
          w.off('message', on);
          resolve(m.out);
        };
        w.on('message', on);
        w.postMessage({ ...msg, id });
      });
    return {
      make: () => Array.from({ length: N }, () => new Worker(plainFile)),
      async map(ws, items) {
        const parts = [];
        for (let s = 0; s < items.length; s += 2) parts.push(call(ws[(s / 2) % N], { items: items.slice(s, s + 2) }));
        return (await Promise.all(parts)).flat();
      },
      all: (ws, c) => Promise.all(ws.map((w, i) => call(w, { c, i }))).then((r) => r.flat()),
      close: (ws) => Promise.all(ws.map((w) => w.terminate())),
    };
  },
};

/** One measurement in this (fresh) process; prints one JSON object. */
async function child(scenario, impl, packages) {
  if (scenario === 'cold-small') {
    const t0 = performance.now();
    if (impl === 'piscina-api') {
      const { Piscina } = await import(piscinaAt(packages));
      const p = new Piscina({ filename: taskFile });
      await p.run({ x: 3 });
      const ms = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 100)); // never destroy a worker mid-load
      await p.destroy();
      return { ms };
    }
    const { Pool } = await import(mpAt(packages));
    const p = new Pool();
    await p.apply(SQUARE, [3]);
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
    await p.terminate();
    return { ms };
  }
  const api = await pools[impl === 'sabkit (base)' ? 'sabkit' : impl](packages);
  const stop = loopProbe();
  const t0 = performance.now();
  const pool = api.make();
  const ctorMs = performance.now() - t0;
  let ok;
  if (scenario === 'map') {
    const items = Array.from({ length: ITEMS }, (_, i) => i);
    const r = await api.map(pool, items);
    ok = r.length === ITEMS && r[ITEMS - 1] === (ITEMS - 1) ** 2;
  } else {
    const c = new Int32Array(new SharedArrayBuffer(4));
    const r = await api.all(pool, c);
    ok = r.length === N && r.every((v, i) => v === i);
    if (!ok) console.error(JSON.stringify(r));
  }
  const ms = performance.now() - t0;
  const maxStall = stop();
  if (!ok) throw new Error(`${impl} ${scenario}: wrong result after ${ms} ms`);
  // Untimed: let every worker finish loading before stopping (never terminate one mid-load).
  await new Promise((r) => setTimeout(r, 200));
  await api.close(pool);
  return { ctorMs, ms, maxStall };
}

function fresh(scenario, impl, packages) {
  const r = spawnSync(process.execPath, [self, '--child', scenario, impl, packages], {
    encoding: 'utf8',
    timeout: CHILD_LIMIT_MS,
    killSignal: 'SIGKILL',
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || line === undefined) throw new Error(`${impl} ${scenario} failed: ${r.status} ${r.stderr}`);
  return JSON.parse(line);
}

if (process.argv[2] === '--child') {
  const [, , , scenario, impl, packages] = process.argv;
  console.log(JSON.stringify(await child(scenario, impl, packages)));
  process.exit(0);
}

const base = process.env.SABKIT_BIG_POOL_BASE;
const impls = [['sabkit', HERE_PACKAGES], ...(base ? [['sabkit (base)', base]] : []), ['piscina'], ['plain']];
const runs = runsFor(3, QUICK ? 1 : 3);
for (const scenario of ['construct', 'map']) {
  const got = new Map(impls.map(([k]) => [k, []]));
  // Rounds in a rotating order, so that drift in the machine's load hits every impl alike.
  for (let i = 0; i < runs; i++)
    for (let j = 0; j < impls.length; j++) {
      const [impl, packages = ''] = impls[(i + j) % impls.length];
      got.get(impl).push(fresh(scenario === 'construct' ? 'all' : 'map', impl, packages));
    }
  for (const [impl, rs] of got) {
    const extra = { workers: N, node: process.version };
    if (scenario === 'construct') {
      emit(
        'big-pool.construct',
        impl,
        'constructor returns',
        rs.map((r) => r.ctorMs),
        'ms',
        extra,
      );
      emit(
        'big-pool.construct',
        impl,
        'max event-loop stall until all run',
        rs.map((r) => r.maxStall),
        'ms',
        extra,
      );
      emit(
        'big-pool.start-all',
        impl,
        `new pool -> ${N} tasks running at once`,
        rs.map((r) => r.ms),
        'ms',
        extra,
      );
    } else {
      emit(
        'big-pool.map-1k',
        impl,
        `new pool -> map over ${ITEMS} items`,
        rs.map((r) => r.ms),
        'ms',
        extra,
      );
      emit(
        'big-pool.map-1k',
        impl,
        'max event-loop stall meanwhile',
        rs.map((r) => r.maxStall),
        'ms',
        extra,
      );
    }
  }
}
// A small pool's cold start must not get slower (fresh processes, interleaved).
const cold = [['sabkit', HERE_PACKAGES], ...(base ? [['sabkit (base)', base]] : [])];
for (const api of ['piscina-api', 'pool']) {
  const got = new Map(cold.map(([k]) => [k, []]));
  for (let i = 0; i < runsFor(9, 3); i++)
    for (let j = 0; j < cold.length; j++) {
      const [impl, packages] = cold[(i + j) % cold.length];
      got.get(impl).push(fresh('cold-small', api, packages).ms);
    }
  const what = api === 'pool' ? 'new Pool() -> first apply() result' : 'new Piscina() -> first result';
  for (const [impl, ms] of got) emit('big-pool.cold-small', impl, what, ms, 'ms');
}
