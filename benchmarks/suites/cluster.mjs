// @sabkit/cluster (ClusterPool over BullMQ and Redis) against the local Pool and a plain BullMQ
// Worker that takes one job per task, in the same run, on a redis-server started here (127.0.0.1,
// a free port, a temp dir). Skipped with a message when redis-server is not on the PATH.
//
//   cpu-1ms    10,000 tasks of ~1 ms of real CPU work (an xorshift loop calibrated here)
//   wait-10ms  10,000 tasks that wait 10 ms (a timer): dispatch scaling on a 2-core machine
//
// with 1, 2 and 3 worker processes ("machines"): sabkit-worker with --threads 1 for cpu-1ms (2
// cores: more threads only queue) and --threads 8 for wait-10ms; the plain BullMQ Worker with
// concurrency 1 (CPU on its main thread) and 8. The local Pool runs in this process with 2 threads
// (cpu) and 8 (wait). Figures per bench, impl and process count:
//   throughput   tasks/s (median of the runs)
//   overhead     per-task cost beyond the task itself, in µs: wall × slots / n − task time, where
//                slots = the tasks that can run at once (threads, capped at the 2 cores for CPU)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, repeat, runsFor, QUICK } from '../lib/report.mjs';

if (spawnSync('redis-server', ['--version']).status !== 0) {
  process.stderr.write(
    'cluster: redis-server is not on the PATH; cluster figures skipped (apt-get install redis-server)\n',
  );
  process.exit(0);
}

// The suite lives beside the packages; it loads @sabkit/cluster and bullmq through the cluster
// package, which depends on both.
const here = dirname(fileURLToPath(import.meta.url));
const clusterDir = join(here, '..', '..', 'packages', 'cluster');
const requireCluster = createRequire(join(clusterDir, 'package.json'));
const { ClusterPool } = requireCluster('@sabkit/cluster');
const { Pool } = requireCluster('@sabkit/multiprocessing');
const { Queue, QueueEvents } = requireCluster('bullmq');
const BULLMQ = requireCluster.resolve('bullmq');
const BIN = join(clusterDir, 'bin', 'sabkit-worker.mjs');

const N = QUICK ? 2_000 : 10_000;
const RUNS = runsFor(3, 1);
const CORES = Math.min(2, cpus().length);

const WORK = [
  'function work(n) { let x = 123456789;',
  'for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; }',
  'return x >>> 0; }',
].join(' ');
const work = new Function(`${WORK}; return work;`)();
// Rounds for ~1 ms here (median of a few timings).
function calibrate() {
  work(1e6);
  const per = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    work(2e6);
    per.push((performance.now() - t) / 2e6);
  }
  per.sort((a, b) => a - b);
  return Math.round(1 / per[2]);
}
const ROUNDS = calibrate();

const root = mkdtempSync(join(tmpdir(), 'sabkit-bench-cluster-'));
writeFileSync(
  join(root, 'tasks.mjs'),
  `${WORK}\nexport function cpu(n) { return work(n); }\n` +
    'export async function wait(ms) { await new Promise((r) => setTimeout(r, ms)); return ms; }\n',
);
// A plain BullMQ worker: one job per task, the task on its main thread (CPU) or awaited (wait).
writeFileSync(
  join(root, 'plain-worker.mjs'),
  `import { Worker } from ${JSON.stringify(BULLMQ)};\nimport { cpu, wait } from './tasks.mjs';\n` +
    'const [url, queue, conc] = process.argv.slice(2);\n' +
    'const w = new Worker(queue, async (job) => (job.name === "cpu" ? cpu(job.data.x) : wait(job.data.x)),\n' +
    '  { connection: { url, maxRetriesPerRequest: null }, concurrency: Number(conc) });\n' +
    'await w.waitUntilReady(); console.log("ready");\n' +
    'process.on("SIGTERM", () => w.close().then(() => process.exit(0)));\n',
);

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const redisDir = mkdtempSync(join(tmpdir(), 'sabkit-bench-redis-'));
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--save', ''], {
  stdio: 'ignore',
});
const url = `redis://127.0.0.1:${port}`;
for (let i = 0; i < 200; i++) {
  if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') break;
  await new Promise((r) => setTimeout(r, 50));
}

const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  redis.kill('SIGKILL');
});

async function startProcs(count, args, ready) {
  const procs = [];
  for (let i = 0; i < count; i++) {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(p);
    await new Promise((resolve, reject) => {
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
        if (ready.test(out)) resolve();
      });
      p.once('exit', (c) => reject(new Error(`worker exited ${c}: ${out}`)));
    });
    procs.push(p);
  }
  return procs;
}

async function stopProcs(procs) {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise((r) => {
          p.once('exit', r);
          p.kill('SIGTERM');
          setTimeout(() => p.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  for (const p of procs) children.delete(p);
}

const BENCHES = [
  { name: 'cpu-1ms', task: 'cpu', arg: ROUNDS, taskMs: 1, threads: 1, localThreads: CORES, plainConc: 1 },
  { name: 'wait-10ms', task: 'wait', arg: 10, taskMs: 10, threads: 8, localThreads: 8, plainConc: 8 },
];

function report(bench, impl, procs, walls, slots) {
  const tag = procs === 0 ? impl : `${impl}/${procs}p`;
  emit(
    bench.name,
    tag,
    'throughput',
    walls.map((ms) => (N / ms) * 1000),
    'tasks/s',
  );
  const cap = bench.task === 'cpu' ? Math.min(slots, CORES) : slots;
  emit(
    bench.name,
    tag,
    'overhead',
    walls.map((ms) => ((ms * cap) / N - bench.taskMs) * 1000),
    'µs',
    {
      note: `slots ${cap}`,
    },
  );
}

for (const bench of BENCHES) {
  const items = Array.from({ length: N }, () => bench.arg);
  // The local Pool, same process.
  {
    const pool = new Pool(bench.localThreads);
    const walls = await repeat(RUNS, async () => {
      const t = performance.now();
      await pool.map({ filename: join(root, 'tasks.mjs'), name: bench.task }, items);
      return performance.now() - t;
    });
    await pool.terminate();
    report(bench, 'local-pool', 0, walls, bench.localThreads);
  }
  for (const procs of [1, 2, 3]) {
    // ClusterPool over `procs` sabkit-worker processes.
    const queue = `bench-${bench.name}-${procs}`;
    const workers = await startProcs(
      procs,
      [BIN, '--redis', url, '--queue', queue, '--root', root, '--threads', String(bench.threads)],
      /queue '/,
    );
    const pool = new ClusterPool({ connection: url, queue });
    await pool.ready();
    const walls = await repeat(RUNS, async () => {
      const t = performance.now();
      const out = await pool.map(`tasks.mjs#${bench.task}`, items);
      if (out.length !== N) throw new Error(`cluster: ${out.length} results of ${N}`);
      return performance.now() - t;
    });
    await pool.terminate();
    await stopProcs(workers);
    report(bench, 'cluster', procs, walls, procs * bench.threads);

    // A plain BullMQ Worker per process, one job per task.
    const plainQueue = `plain-${queue}`;
    const plain = await startProcs(
      procs,
      [join(root, 'plain-worker.mjs'), url, plainQueue, String(bench.plainConc)],
      /ready/,
    );
    const q = new Queue(plainQueue, { connection: { url } });
    const events = new QueueEvents(plainQueue, { connection: { url } });
    await events.waitUntilReady();
    const plainWalls = await repeat(RUNS, async () => {
      let done = 0;
      const t = performance.now();
      const finished = new Promise((resolve) => {
        const on = () => {
          if (++done === N) {
            events.off('completed', on);
            resolve();
          }
        };
        events.on('completed', on);
      });
      for (let i = 0; i < N; i += 1000) {
        await q.addBulk(
          items.slice(i, i + 1000).map((x) => ({ name: bench.task, data: { x }, opts: { removeOnComplete: true } })),
        );
      }
      await finished;
      return performance.now() - t;
    });
    await events.close();
    await q.close();
    await stopProcs(plain);
    report(bench, 'bullmq-worker', procs, plainWalls, procs * bench.plainConc);
  }
}

redis.kill('SIGTERM');
rmSync(root, { recursive: true, force: true });
await new Promise((r) => redis.once('exit', r));
rmSync(redisDir, { recursive: true, force: true });
process.exit(0);
