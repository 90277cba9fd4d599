// The Chromium part of the bench (bundled and run by run-bench.mjs), in one page: sabkit's pool
// (Piscina's browser build: 2 module Web Workers, the rings in shared memory, workers blocking in
// Atomics.wait, the page waiting with Atomics.waitAsync) against a postMessage pool of 2 module Web
// Workers (round robin) with the same task module (task.mjs); and, between the page and one worker,
// sabkit's Queue against postMessage (the channel alone).
//   throughput     TASKS numbers sent at once, each answered x + 1              tasks/s
//   roundtrip-p50  one at a time, await each                                     µs
import { Queue } from '@sabkit/atomics-sync';
import { Piscina } from '@sabkit/piscina';

const RUNS = 5;
const TASKS = 20_000;
const TRIPS = 2_000;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function worker() {
  return new Worker(new URL('./browser-bench-worker.mjs', import.meta.url), { type: 'module' });
}

async function queueRun() {
  const q = new Queue();
  const back = new Queue();
  const w = worker();
  w.postMessage({ mode: 'queue', q, back });
  await q.putAsync(0);
  await back.getAsync({ timeout: 10_000 });
  let t0 = performance.now();
  const sender = (async () => {
    for (let i = 1; i <= TASKS; i++) await q.putAsync(i);
  })();
  let last;
  for (let i = 0; i < TASKS; i++) last = await back.getAsync({ timeout: 10_000 });
  await sender;
  if (last !== TASKS + 1) throw new Error(`queue: wrong result ${last}`);
  const throughput = TASKS / ((performance.now() - t0) / 1000);
  const trips = [];
  for (let i = 0; i < TRIPS; i++) {
    t0 = performance.now();
    await q.putAsync(i);
    await back.getAsync({ timeout: 10_000 });
    trips.push((performance.now() - t0) * 1000);
  }
  await q.putAsync('END');
  w.terminate();
  return { throughput, roundtrip: median(trips) };
}

async function postMessageRun() {
  const w = worker();
  w.postMessage({ mode: 'post' });
  let resolve;
  w.onmessage = (e) => resolve(e.data);
  const next = () => new Promise((r) => (resolve = r));
  let t0 = performance.now();
  let got = 0;
  let last;
  const done = new Promise((r) => {
    w.onmessage = (e) => {
      last = e.data;
      if (++got === TASKS) r();
    };
  });
  for (let i = 1; i <= TASKS; i++) w.postMessage(i);
  await done;
  if (last !== TASKS + 1) throw new Error(`postMessage: wrong result ${last}`);
  const throughput = TASKS / ((performance.now() - t0) / 1000);
  w.onmessage = (e) => resolve(e.data);
  const trips = [];
  for (let i = 0; i < TRIPS; i++) {
    t0 = performance.now();
    const p = next();
    w.postMessage(i);
    await p;
    trips.push((performance.now() - t0) * 1000);
  }
  w.terminate();
  return { throughput, roundtrip: median(trips) };
}

const TASK = new URL('./task.mjs', import.meta.url);

/** Throughput (TASKS submitted at once) and round trip (one at a time) of a pool's `run`. */
async function measure(run) {
  await Promise.all([run(0), run(0)]);
  let t0 = performance.now();
  const all = [];
  for (let i = 1; i <= TASKS; i++) all.push(run(i));
  const got = await Promise.all(all);
  if (got[TASKS - 1] !== TASKS + 1) throw new Error(`pool: wrong result ${got[TASKS - 1]}`);
  const throughput = TASKS / ((performance.now() - t0) / 1000);
  const trips = [];
  for (let i = 0; i < TRIPS; i++) {
    t0 = performance.now();
    await run(i);
    trips.push((performance.now() - t0) * 1000);
  }
  return { throughput, roundtrip: median(trips) };
}

async function sabkitPoolRun() {
  const pool = new Piscina({ filename: TASK, minThreads: 2, maxThreads: 2 });
  try {
    return await measure((x) => pool.run(x));
  } finally {
    await pool.destroy();
  }
}

async function postMessagePoolRun() {
  const workers = [0, 1].map(() => worker());
  const pending = new Map();
  let nextId = 0;
  for (const w of workers) {
    w.postMessage({ mode: 'task', task: TASK.href });
    w.onmessage = (e) => {
      const [id, value] = e.data;
      pending.get(id)(value);
      pending.delete(id);
    };
  }
  try {
    return await measure(
      (x) =>
        new Promise((resolve) => {
          const id = nextId++;
          pending.set(id, resolve);
          workers[id & 1].postMessage([id, x]);
        }),
    );
  } finally {
    for (const w of workers) w.terminate();
  }
}

const impls = {
  'sabkit pool': sabkitPoolRun,
  'postMessage pool': postMessagePoolRun,
  'sabkit Queue': queueRun,
  postMessage: postMessageRun,
};
const results = {};
for (const name of Object.keys(impls)) results[name] = { throughput: [], roundtrip: [] };
try {
  for (let r = 0; r < RUNS; r++) {
    for (const [name, run] of Object.entries(impls)) {
      const x = await run();
      results[name].throughput.push(x.throughput);
      results[name].roundtrip.push(x.roundtrip);
    }
  }
  const lines = [];
  for (const [impl, r] of Object.entries(results)) {
    for (const [metric, values, unit] of [
      ['throughput', r.throughput, 'tasks/s'],
      ['roundtrip-p50', r.roundtrip, 'µs'],
    ]) {
      const round = (v) => Math.round(v * 10) / 10;
      lines.push({
        bench: impl.endsWith('pool') ? 'runtimes-pool' : 'runtimes-channel',
        impl,
        metric,
        value: round(median(values)),
        unit,
        runs: values.length,
        runtime: `chromium ${navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? ''}`,
        spread: [round(Math.min(...values)), round(Math.max(...values))],
      });
    }
  }
  window.__sabkitBench = lines;
} catch (e) {
  window.__sabkitBench = { error: String(e?.stack ?? e) };
}
