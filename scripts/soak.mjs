#!/usr/bin/env node
// Soak (issue 20; not part of CI): 10^6 pool tasks with object arguments and 10^7 queue messages,
// sampling the process RSS and the heaps, then reporting growth after warm-up (the first 10%).
// Target: under 10% growth after warm-up. Prints one JSON line per sample and per verdict.
//
//   node scripts/soak.mjs [--tasks 1000000] [--messages 10000000] [--only pool|queue] [--object-every 10]
//
// Needs the packages built (npx -y pnpm@12.4.2 run build). Run with --expose-gc for heap figures
// after a full collection (without it, heapUsed is sampled as it is).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = new URL('../', import.meta.url);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const TASKS = Number(arg('tasks', 1_000_000));
const MESSAGES = Number(arg('messages', 10_000_000));
const ONLY = arg('only', '');
/** Every how many queue messages one is an object ({ i, s }) rather than a number; 0: numbers only. */
const OBJECT_EVERY = Number(arg('object-every', 10));
const SAMPLES = 20;

const { Piscina } = await import(new URL('packages/piscina/dist/index.js', root));
const syncUrl = new URL('packages/atomics-sync/dist/index.js', root).href;
const { Queue } = await import(syncUrl);

const gc = globalThis.gc ?? (() => {});
const mb = (n) => Math.round((n / 2 ** 20) * 10) / 10;
function sample(phase, done, extra = {}) {
  gc();
  const m = process.memoryUsage();
  const s = { phase, done, rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), heapTotalMB: mb(m.heapTotal), ...extra };
  console.log(JSON.stringify(s));
  return s;
}
function verdict(phase, samples, key) {
  const warm = samples[Math.max(1, Math.floor(samples.length / 10))];
  const last = samples[samples.length - 1];
  const growth = (last[key] - warm[key]) / warm[key];
  const v = {
    phase,
    metric: key,
    afterWarmup: warm[key],
    end: last[key],
    growthPct: Math.round(growth * 1000) / 10,
    ok: growth < 0.1,
  };
  console.log(JSON.stringify(v));
  return v.ok;
}

const dir = mkdtempSync(join(tmpdir(), 'sabkit-soak-'));
let ok = true;
try {
  if (ONLY !== 'queue') {
    const taskFile = join(dir, 'task.mjs');
    writeFileSync(taskFile, 'export default ({ a, b }) => a + b;\n');
    const pool = new Piscina({ filename: pathToFileURL(taskFile).href, minThreads: 2, maxThreads: 2 });
    const samples = [sample('pool', 0)];
    const window = 2_000; // tasks in flight
    const step = TASKS / SAMPLES;
    let sent = 0;
    let doneCount = 0;
    let bad = 0;
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      const next = () => {
        if (sent >= TASKS) return;
        const a = sent++;
        pool.run({ a, b: 1 }).then((r) => {
          if (r !== a + 1) bad++;
          doneCount++;
          if (doneCount % step === 0) samples.push(sample('pool', doneCount));
          if (doneCount === TASKS) resolve();
          else next();
        }, reject);
      };
      for (let i = 0; i < window; i++) next();
    });
    console.log(
      JSON.stringify({ phase: 'pool', tasks: TASKS, wrong: bad, seconds: Math.round(performance.now() - t0) / 1000 }),
    );
    await pool.destroy();
    ok = verdict('pool', samples, 'rssMB') && ok;
    ok = verdict('pool', samples, 'heapUsedMB') && ok && bad === 0;
  }
  if (ONLY !== 'pool') {
    const q = new Queue({ maxsize: 10_000 });
    const workerSrc = `
      import { workerData, parentPort } from 'node:worker_threads';
      import { setFlagsFromString } from 'node:v8';
      import { runInNewContext } from 'node:vm';
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc');
      const { Queue } = await import(${JSON.stringify(syncUrl)});
      const q = Queue.from(workerData.q);
      const { n, role, every, sample } = workerData;
      if (role === 'produce') {
        for (let i = 0; i < n; i++) q.put(every && i % every === 0 ? { i, s: 'item' } : i);
        parentPort.postMessage({ done: true });
      } else {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const v = q.get();
          const k = typeof v === 'number' ? v : v.i;
          if (k !== i) throw new Error('out of order: ' + k + ' at ' + i);
          if ((i + 1) % sample === 0) {
            gc();
            parentPort.postMessage({ at: i + 1, heapUsed: process.memoryUsage().heapUsed });
          }
        }
        parentPort.postMessage({ done: true });
      }`;
    const file = join(dir, 'queue-worker.mjs');
    writeFileSync(file, workerSrc);
    const every = MESSAGES / SAMPLES;
    const samples = [sample('queue', 0, { consumerHeapMB: 0 })];
    const t0 = performance.now();
    const data = { q, n: MESSAGES, every: OBJECT_EVERY, sample: every };
    const prod = new Worker(file, { workerData: { ...data, role: 'produce' } });
    const cons = new Worker(file, { workerData: { ...data, role: 'consume' } });
    await new Promise((resolve, reject) => {
      let left = 2;
      for (const w of [prod, cons]) {
        w.on('error', reject);
        w.on('message', (m) => {
          if (m.at) samples.push(sample('queue', m.at, { consumerHeapMB: mb(m.heapUsed) }));
          if (m.done && --left === 0) resolve();
        });
      }
    });
    console.log(
      JSON.stringify({ phase: 'queue', messages: MESSAGES, seconds: Math.round(performance.now() - t0) / 1000 }),
    );
    ok = verdict('queue', samples, 'rssMB') && ok;
    ok = verdict('queue', samples.slice(1), 'consumerHeapMB') && ok;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ soak: ok ? 'pass' : 'fail' }));
process.exitCode = ok ? 0 : 1;
