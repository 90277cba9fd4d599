// Memory over many tiny tasks (issue 20 point 7): the process's RSS and V8 heap while a pool runs
// 200,000 tasks in batches of 1,000, for @sabkit/piscina and piscina, with numbers and with
// piscina's README argument `{ a, b }`. Each (impl, payload) runs in a fresh `node`, so one run's
// heap does not carry into the next.
//
//   growth-after-warm-up   RSS at the end minus RSS after the first 20,000 tasks     MB
//   growth-second-half     RSS at the end minus RSS at 100,000 tasks                  MB (≈ 0 when bounded)
//   peak                   highest RSS sampled                                        MB
//
// Why it mattered: through its general path the codec called node:v8's serialize() once per task,
// and every call leaves native memory (a Serializer and its buffer) that V8 does not count towards
// its heap, so no GC is due while RSS climbs (measured: 400,000 serialize() calls of `{ a, b }`
// grew RSS by ~270 MB, still there after a full GC). Objects now take the codec's tree encoder.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emit, QUICK } from '../lib/report.mjs';

const here = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  const [, , , impl, kind, task] = process.argv;
  const mod = impl === 'sabkit' ? await import('@sabkit/piscina') : await import('piscina');
  const Piscina = mod.Piscina ?? mod.default;
  const pool = new Piscina({ filename: task, minThreads: 2, maxThreads: 2 });
  const total = QUICK ? 40_000 : 200_000;
  const batch = 1000;
  const rss = [];
  for (let done = 0; done < total; done += batch) {
    const ps = new Array(batch);
    for (let i = 0; i < batch; i++) ps[i] = pool.run(kind === 'object' ? { a: done + i, b: 1 } : done + i);
    await Promise.all(ps);
    if ((done + batch) % (total / 10) === 0) rss.push(process.memoryUsage().rss / 1e6);
  }
  await pool.destroy();
  console.log(JSON.stringify({ rss }));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'sabkit-bench-memory-'));
const task = join(dir, 'task.mjs');
writeFileSync(task, "export default (x) => (typeof x === 'number' ? x + 1 : x.a + x.b);\n");
for (const kind of ['number', 'object']) {
  for (const impl of ['sabkit', 'piscina']) {
    process.stderr.write(`# memory: ${impl}, ${kind} arguments\n`);
    const r = spawnSync(process.execPath, [here, '--child', impl, kind, task, ...(QUICK ? ['--quick'] : [])], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (r.status !== 0 || !line) {
      process.stderr.write(`# memory: ${impl} failed: ${r.stderr}\n`);
      continue;
    }
    const { rss } = JSON.parse(line);
    const label = `${kind === 'object' ? '{ a, b }' : 'number'} arguments, ${QUICK ? '40k' : '200k'} tasks`;
    emit('pool-memory', impl, `RSS growth after warm-up (10% of tasks), ${label}`, [rss.at(-1) - rss[0]], 'MB');
    emit('pool-memory', impl, `RSS growth in the second half, ${label}`, [rss.at(-1) - rss[4]], 'MB');
    emit('pool-memory', impl, `peak RSS, ${label}`, [Math.max(...rss)], 'MB');
  }
}
