// The browser suite's pool page (bundled by run-browser.mjs with esbuild and with Vite, through the
// packages' `browser` entries): Piscina over module Web Workers, with a module task file
// (pool-task.mjs, a URL) and its failure cases. Results go to window.__sabkitResults. The page
// served from a build whose pool worker script was removed (".../missing-worker/...") runs only the
// case that checks the error naming it.
import { SharedMemoryUnavailableError } from '@sabkit/atomics-sync';
import { AbortError, Piscina, PoolClosedError } from '@sabkit/piscina';

const results = [];
const TASK = new URL('./pool-task.mjs', import.meta.url);

function eq(a, b, what) {
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  if (sa !== sb) throw new Error(`${what}: expected ${sb}, got ${sa}`);
}

/** `p` must reject with an instance of `cls` whose message matches `re`, within `ms`. */
async function rejects(p, cls, re, what, ms = 15_000) {
  let timer;
  const hang = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms (a hang)`)), ms);
  });
  try {
    await Promise.race([p, hang]);
  } catch (e) {
    if (!(e instanceof cls) || !re.test(e.message)) throw new Error(`${what}: wrong error ${e?.stack ?? e}`);
    return e;
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`${what}: did not reject`);
}

const cases = {
  async 'pool: no SharedArrayBuffer names cross-origin isolation and both headers'() {
    try {
      new Piscina({ filename: TASK });
    } catch (e) {
      if (!(e instanceof SharedMemoryUnavailableError)) throw new Error(`wrong error: ${e?.stack ?? e}`);
      for (const word of ['cross-origin isolated', 'Cross-Origin-Opener-Policy', 'Cross-Origin-Embedder-Policy'])
        if (!e.message.includes(word)) throw new Error(`message lacks ${word}: ${e.message}`);
      return;
    }
    throw new Error('new Piscina() worked without SharedArrayBuffer');
  },
  async 'Piscina: 2 module workers, 2000 tasks (URL object and string), named exports'() {
    const pool = new Piscina({ filename: TASK, minThreads: 2, maxThreads: 2 });
    try {
      const xs = Array.from({ length: 2000 }, (_, i) => i);
      const got = await Promise.all(xs.map((x) => pool.run(x)));
      eq(
        got.reduce((a, b) => a + b, 0),
        (1999 * 2000) / 2 + 2000,
        'sum of x+1',
      );
      eq(await pool.run(21, { name: 'double' }), 42, 'name option');
      eq(await pool.run(3, { filename: TASK.href, name: 'double' }), 6, 'filename as a string');
      eq(await pool.run([1, 2, 3], { name: 'sum' }), 6, 'array argument');
      eq(await pool.run({ a: [1, 'é'] }, { name: 'double' }), null, 'object argument (NaN)');
      eq(pool.threads.length, 2, 'threads');
      eq(pool.completed >= 2003, true, 'completed');
    } finally {
      await pool.destroy();
    }
  },
  async 'Piscina: a task error rejects with its message; transferList buffers are copied'() {
    await using pool = new Piscina({ filename: TASK, maxThreads: 1 });
    await rejects(pool.run('bad input', { name: 'fail' }), TypeError, /bad input/, 'task error');
    const bytes = new Uint8Array([1, 2, 3, 4]);
    eq(await pool.run(bytes, { name: 'sum', transferList: [bytes.buffer] }), 10, 'transferList');
    eq(await pool.run(1), 2, 'after an error');
  },
  async 'Piscina: AbortSignal before and during a task; destroy() rejects what waits'() {
    const pool = new Piscina({ filename: TASK, maxThreads: 1 });
    await rejects(pool.run(1, { signal: AbortSignal.abort() }), AbortError, /./, 'aborted signal');
    const ac = new AbortController();
    const p = pool.run(5000, { name: 'block', signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await rejects(p, AbortError, /./, 'abort while running');
    eq(await pool.run(2), 3, 'after an abort (worker replaced)');
    const waiting = pool.run(3000, { name: 'sleep' });
    await pool.destroy();
    await rejects(waiting, Error, /./, 'destroy');
    await rejects(pool.run(1), PoolClosedError, /destroyed/, 'run after destroy');
  },
  async 'Piscina: close() finishes started tasks'() {
    const pool = new Piscina({ filename: TASK, maxThreads: 2 });
    const p = Promise.all([pool.run(100, { name: 'sleep' }), pool.run(1)]);
    await pool.close();
    eq(await p, [100, 2], 'results');
  },
  async 'Piscina: a task module that is not there names its URL'() {
    const missing = new URL(`./${'no-such-task'}.mjs`, location.href).href;
    const pool = new Piscina({ filename: missing, maxThreads: 1 });
    try {
      await rejects(pool.run(1), Error, /no-such-task\.mjs/, 'missing task module');
    } finally {
      await pool.destroy();
    }
  },
  async 'missing-worker: the pool worker script is not there: a WorkerStartError names it, no hang'() {
    const pool = new Piscina({ filename: TASK, maxThreads: 1 });
    try {
      const e = await rejects(pool.run(1), Error, /sabkit-piscina-worker/, 'missing worker script');
      if (e.code !== 'ERR_SABKIT_WORKER_START') throw new Error(`code ${e.code}: ${e.message}`);
    } finally {
      await pool.destroy();
    }
  },
};

const missingWorker = location.pathname.includes('/missing-worker/');
for (const [name, fn] of Object.entries(cases)) {
  const noSab = name.startsWith('pool: no SharedArrayBuffer');
  if (noSab === globalThis.crossOriginIsolated) continue;
  if (!noSab && name.startsWith('missing-worker:') !== missingWorker) continue;
  try {
    await fn();
    results.push({ name, ok: true });
  } catch (e) {
    results.push({ name, ok: false, error: String(e?.stack ?? e) });
  }
}
window.__sabkitResults = results;
