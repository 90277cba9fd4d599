// The browser suite's pool page (bundled by run-browser.mjs with esbuild and with Vite, through the
// packages' `browser` entries): Piscina over module Web Workers, with a module task file
// (pool-task.mjs, a URL) and its failure cases. Results go to window.__sabkitResults. The page
// served from a build whose pool worker script was removed (".../missing-worker/...") runs only the
// case that checks the error naming it.
import { SharedMemoryUnavailableError } from '@sabkit/atomics-sync';
import {
  EXIT_TERMINATED,
  InlineFunctionError,
  Pool,
  Process,
  Value,
  parallelFor,
  parallelReduce,
} from '@sabkit/multiprocessing';
import { AbortError, Piscina, PoolClosedError } from '@sabkit/piscina';
import { eq, rejects, runCases } from './page-harness.mjs';

const TASK = new URL('./pool-task.mjs', import.meta.url);

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
  async 'Piscina: a task error rejects with its message; transferList moves; host objects travel'() {
    await using pool = new Piscina({ filename: TASK, maxThreads: 1 });
    await rejects(pool.run('bad input', { name: 'fail' }), TypeError, /bad input/, 'task error');
    const bytes = new Uint8Array([1, 2, 3, 4]);
    eq(await pool.run(bytes, { name: 'sum', transferList: [bytes.buffer] }), 10, 'transferList');
    eq(bytes.buffer.byteLength, 0, 'the buffer was moved (detached here)');
    const moved = new Uint8Array([5, 6]);
    eq(await pool.run(Piscina.move(moved), { name: 'sum' }), 11, 'Piscina.move');
    eq(await pool.run(1), 2, 'after an error');
    // A Blob is no data the shared-memory codec writes: it goes by the worker's port both ways.
    eq(await pool.run(new Blob(['abc']), { name: 'text' }), 'abc', 'a Blob argument');
    const b = await pool.run('xyz', { name: 'blob' });
    eq([b instanceof Blob, await b.text()], [true, 'xyz'], 'a Blob result');
    eq(await pool.run(41), 42, 'after the Blobs');
  },
  async 'Piscina: shared memory as task arguments: a Value under its lock, a shared Float64Array'() {
    const v = new Value('i', 0);
    const pool = new Piscina({ filename: TASK, maxThreads: 2 });
    try {
      await Promise.all(Array.from({ length: 200 }, () => pool.run(v, { name: 'bump' })));
      eq(v.value, 200, 'Value');
      const view = new Float64Array(new SharedArrayBuffer(8 * 1000));
      const parts = [0, 250, 500, 750].map((from) => pool.run({ view, from, to: from + 250 }, { name: 'fill' }));
      eq(await Promise.all(parts), [250, 250, 250, 250], 'counts');
      eq([view[0], view[999]], [0, 1998], 'written by the workers');
    } finally {
      await pool.destroy();
    }
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
  async 'Pool: map with a module task and with inline functions, starmap, applyAsync'() {
    await using pool = new Pool(2);
    eq(await pool.map({ filename: TASK, name: 'double' }, [1, 2, 3]), [2, 4, 6], 'module task');
    eq(await pool.map({ filename: TASK.href }, [1, 2]), [2, 3], 'module task, default export, URL string');
    const xs = Array.from({ length: 500 }, (_, i) => i);
    const squares = await pool.map((x) => x * x, xs, { chunksize: 7 });
    eq(
      squares.reduce((a, b) => a + b, 0),
      xs.reduce((a, x) => a + x * x, 0),
      'inline function',
    );
    eq(
      await pool.starmap(
        (a, b) => a + b,
        [
          [1, 2],
          [3, 4],
        ],
      ),
      [3, 7],
      'starmap',
    );
    eq(await pool.applyAsync(async (x) => x + 1, [1]).get(), 2, 'applyAsync of an async function');
  },
  async 'parallelFor and parallelReduce on a Pool over a shared Float64Array'() {
    await using pool = new Pool(2);
    const n = 10_000;
    const a = new Float64Array(new SharedArrayBuffer(8 * n));
    await parallelFor(n, (i, out) => void (out[i] = i * 0.5), { args: [a], pool });
    eq(a[n - 1], (n - 1) * 0.5, 'last element');
    const sum = await parallelReduce(
      a,
      (x) => x * 2,
      (s, t) => s + t,
      0,
      { pool },
    );
    eq(sum, (n * (n - 1)) / 2, 'sum of 2 * (i / 2)');
  },
  async 'Pool: a closure is refused before it runs; a task error rejects map'() {
    await using pool = new Pool(1);
    const k = globalThis.crossOriginIsolated ? 3 : 4; // not a constant a minifier would fold into the function
    await rejects(
      Promise.resolve().then(() => pool.map((x) => x + k, [1])),
      InlineFunctionError,
      /is a closure/,
      'closure',
    );
    await rejects(
      pool.map(
        (x) => {
          throw new RangeError(`no ${x}`);
        },
        [7],
      ),
      RangeError,
      /no 7/,
      'task error',
    );
    eq(await pool.map((x) => -x, [1]), [-1], 'after an error');
  },
  async 'Process: start, join, exitCode 0 / 1 / terminated; a Value written by the process'() {
    const v = new Value('i', 0);
    const p = new Process({ target: (cell, n) => void (cell.value = n), args: [v, 42], name: 'writer' });
    eq([p.exitCode, p.isAlive()], [null, false], 'before start');
    p.start();
    eq(p.isAlive(), true, 'alive');
    await p.join({ timeout: 15_000 });
    eq([p.exitCode, v.value], [0, 42], 'after join');
    const bad = new Process({
      target: () => {
        throw new Error('boom');
      },
    });
    bad.start();
    await bad.join({ timeout: 15_000 });
    eq(bad.exitCode, 1, 'a target that throws');
    const long = new Process({
      target: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
      args: [30_000],
    });
    long.start();
    long.terminate();
    await long.join({ timeout: 15_000 });
    eq(long.exitCode, EXIT_TERMINATED, 'terminated');
    const k = globalThis.crossOriginIsolated ? 1 : 2;
    const closure = new Process({ target: () => k });
    await rejects(
      Promise.resolve().then(() => closure.start()),
      InlineFunctionError,
      /is a closure/,
      'closure',
    );
  },
  async 'missing-worker: a Process whose worker script is not there ends with exitCode 1, no hang'() {
    const p = new Process({ target: () => {} });
    p.start();
    await p.join({ timeout: 15_000 });
    eq(p.exitCode, 1, 'exit code');
  },
  async 'missing-worker: the Pool worker script is not there: the error names it, no hang'() {
    const pool = new Pool(1);
    try {
      await rejects(
        pool.map((x) => x, [1]),
        Error,
        /sabkit-pool-worker/,
        'missing Pool worker script',
      );
    } finally {
      await pool.terminate();
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

await runCases(cases, { missingWorker: true });
