// The sample app the bundling test builds with esbuild (ESM and CJS output) and then runs from a
// folder outside the repository: the pool, Pool (module and inline tasks), Process, Manager and a
// Queue of objects. `node app.mjs <part>` runs one part (piscina, pool, process, manager).
import { Piscina } from '@sabkit/piscina';
import { Manager, Pool, Process, Queue, Value } from '@sabkit/multiprocessing';

const task = new URL('./app-task.mjs', import.meta.url);
const parts = {
  async piscina() {
    const pool = new Piscina({ filename: task.href, maxThreads: 1 });
    try {
      return await pool.run({ n: 20 });
    } finally {
      await pool.destroy();
    }
  },
  async pool() {
    const p = new Pool(2);
    try {
      return [await p.map(new URL('#square', task), [1, 2, 3]), await p.map((x) => x + 1, [1, 2, 3])];
    } finally {
      await p.close();
      await p.join();
    }
  },
  async process() {
    const v = new Value('i', 0);
    const q = new Queue();
    const proc = new Process({
      target: (c, queue) => {
        c.value = 7;
        queue.put({ from: 'process' });
      },
      args: [v, q],
    });
    proc.start();
    const got = await q.getAsync({ timeout: 10_000 });
    await proc.join({ timeout: 10_000 });
    return [got, v.value, proc.exitCode];
  },
  async manager() {
    const m = new Manager();
    try {
      const d = m.dict();
      const p2 = new Process({ target: (dd) => dd.set('k', [1, 2]), args: [d] });
      p2.start();
      await p2.join({ timeout: 10_000 });
      return d.get('k');
    } finally {
      await m.shutdown();
    }
  },
};

// In a function, not at top level: CommonJS output has no top-level await.
async function main(which) {
  const out = {};
  for (const [name, run] of Object.entries(parts)) if (which === 'all' || which === name) out[name] = await run();
  return out;
}

main(process.argv[2] ?? 'all').then(
  (out) => console.log(JSON.stringify(out)),
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
