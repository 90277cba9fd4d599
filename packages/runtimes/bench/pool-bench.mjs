// Tiny-task throughput and round trip on the runtime running this file (node, bun, deno run -A):
// @sabkit/piscina against the runtime's own postMessage pool (2 workers, tasks posted round-robin
// without waiting, replies matched by id), in the same run. Prints one JSON line per figure:
// {"bench","impl","metric","value","unit","runs","runtime","spread"} (median of RUNS runs; spread
// = [min, max]). Run by run-bench.mjs on every runtime.
import { Piscina } from '@sabkit/piscina';

const RUNS = Number(globalThis.process?.env?.SABKIT_BENCH_RUNS ?? 5);
const TASKS = Number(globalThis.process?.env?.SABKIT_BENCH_TASKS ?? 20_000);
const TRIPS = 2_000;
const THREADS = 2;
const runtime = globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node';
const task = new URL('./task.mjs', import.meta.url);

async function sabkit() {
  const pool = new Piscina({ filename: task.href, minThreads: THREADS, maxThreads: THREADS });
  await Promise.all([pool.run(0), pool.run(0)]);
  return { run: (x) => pool.run(x), close: () => pool.destroy() };
}

async function postMessagePool() {
  const url = new URL('./raw-worker.mjs', import.meta.url);
  const web = runtime !== 'node';
  const { Worker: NodeWorker } = web ? {} : await import('node:worker_threads');
  const workers = Array.from({ length: THREADS }, () =>
    web ? new Worker(url, { type: 'module' }) : new NodeWorker(url),
  );
  const pending = new Map();
  let next = 0;
  for (const w of workers) {
    const on = (m) => {
      const p = pending.get(m[0]);
      pending.delete(m[0]);
      p(m[1]);
    };
    if (web) w.onmessage = (e) => on(e.data);
    else w.on('message', on);
  }
  const pool = {
    run: (x) =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        workers[id % THREADS].postMessage([id, x]);
      }),
    close: async () => {
      for (const w of workers) await w.terminate();
    },
  };
  await Promise.all([pool.run(0), pool.run(0)]);
  return pool;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function emit(impl, metric, values, unit) {
  const line = {
    bench: 'runtimes-pool',
    impl,
    metric,
    value: Math.round(median(values) * 10) / 10,
    unit,
    runs: values.length,
    runtime: `${runtime} ${globalThis.Deno?.version.deno ?? globalThis.Bun?.version ?? process.version}`,
    spread: [Math.round(Math.min(...values) * 10) / 10, Math.round(Math.max(...values) * 10) / 10],
  };
  console.log(JSON.stringify(line));
}

const impls = { sabkit, postMessage: postMessagePool };
const results = {};
for (const name of Object.keys(impls)) results[name] = { throughput: [], roundtrip: [] };
// Runs interleaved (sabkit, postMessage, sabkit, ...), each with a fresh pool, so that the noise of
// the machine falls on both alike.
for (let r = 0; r < RUNS; r++) {
  for (const [name, make] of Object.entries(impls)) {
    const pool = await make();
    let t0 = performance.now();
    const all = [];
    for (let i = 0; i < TASKS; i++) all.push(pool.run(i));
    const out = await Promise.all(all);
    if (out[TASKS - 1] !== TASKS) throw new Error(`${name}: wrong result ${out[TASKS - 1]}`);
    results[name].throughput.push(TASKS / ((performance.now() - t0) / 1000));
    const trips = [];
    for (let i = 0; i < TRIPS; i++) {
      t0 = performance.now();
      await pool.run(i);
      trips.push((performance.now() - t0) * 1000);
    }
    results[name].roundtrip.push(median(trips));
    await pool.close();
  }
}
for (const [name, r] of Object.entries(results)) {
  emit(name, 'throughput', r.throughput, 'tasks/s');
  emit(name, 'roundtrip-p50', r.roundtrip, 'µs');
}
globalThis.process?.exit?.(0);
