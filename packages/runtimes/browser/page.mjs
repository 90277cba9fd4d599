// The browser suite's page script (bundled by run-browser.mjs with esbuild for the browser, through
// the packages' `browser` entries). It runs the cases against a module Web Worker (worker.mjs) and
// leaves the results in window.__sabkitResults for the runner. Blocking calls run in the worker;
// the page uses the ...Async forms, and its blocking forms must be refused.
import {
  Barrier,
  BlockingNotAllowedError,
  Condition,
  Event,
  Lock,
  Pipe,
  Queue,
  RLock,
  Semaphore,
  SharedArray,
  SharedMemoryUnavailableError,
  Value,
} from '@sabkit/atomics-sync';
import { struct } from '@sabkit/typed-struct';
import { eq, runCases } from './page-harness.mjs';

const worker = () => new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });

/** Runs `op` with `args` in a fresh module worker; resolves with its answer. */
function inWorker(op, args) {
  return new Promise((resolve, reject) => {
    const w = worker();
    const timer = setTimeout(() => reject(new Error(`worker op ${op} did not answer in 10 s`)), 10_000);
    w.onmessage = (e) => {
      clearTimeout(timer);
      w.terminate();
      if (e.data.error) reject(new Error(e.data.error));
      else resolve(e.data.value);
    };
    w.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
    w.postMessage({ op, args });
  });
}

/** Puts `items` into a Queue for a worker that puts each back into another; checks what returns. */
async function echo(items) {
  const q = new Queue();
  const back = new Queue();
  const w = inWorker('queue', [q, back]);
  for (const x of items.concat(['END'])) await q.putAsync(x);
  const got = [];
  for (let i = 0; i < items.length; i++) got.push(await back.getAsync({ timeout: 10_000 }));
  await w;
  for (let i = 0; i < items.length; i++) {
    const same =
      items[i] instanceof Map || items[i] instanceof Set
        ? JSON.stringify([...items[i]]) === JSON.stringify([...got[i]])
        : JSON.stringify(items[i]) === JSON.stringify(got[i]) && typeof items[i] === typeof got[i];
    if (!same) throw new Error(`item ${i}: sent ${String(items[i])}, got ${String(got[i])}`);
  }
}

const cases = {
  async 'no SharedArrayBuffer: the first call names cross-origin isolation and both headers'() {
    if (globalThis.crossOriginIsolated) return 'isolated-only';
    try {
      new Lock();
    } catch (e) {
      if (!(e instanceof SharedMemoryUnavailableError)) throw new Error(`wrong error: ${e?.stack ?? e}`);
      for (const word of ['cross-origin isolated', 'Cross-Origin-Opener-Policy', 'Cross-Origin-Embedder-Policy'])
        if (!e.message.includes(word)) throw new Error(`message lacks ${word}: ${e.message}`);
      return undefined;
    }
    throw new Error('new Lock() worked without SharedArrayBuffer');
  },
  async 'Lock and Value: page and 2 workers, 3000 locked increments'() {
    const lock = new Lock();
    const v = new Value('i', 0, { lock: false });
    const pageSide = (async () => {
      for (let i = 0; i < 1000; i++) {
        await lock.acquireAsync({ timeout: 10_000 });
        v.value = v.value + 1;
        lock.release();
      }
    })();
    await Promise.all([inWorker('count', [lock, v, 1000]), inWorker('count', [lock, v, 1000]), pageSide]);
    eq(v.value, 3000, 'counter');
  },
  async 'a blocking call on the page is refused, naming its async form'() {
    const lock = new Lock();
    try {
      lock.acquire();
    } catch (e) {
      if (!(e instanceof BlockingNotAllowedError) || !/acquireAsync/.test(e.message)) throw e;
      return undefined;
    }
    throw new Error('lock.acquire() blocked the page');
  },
  async 'RLock, Semaphore, Event, Condition and Barrier with a worker'() {
    const r = new RLock();
    const s = new Semaphore(0);
    const ev = new Event();
    const cond = new Condition();
    const flag = new Value('i', 0, { lock: false });
    const bar = new Barrier(2);
    const w = inWorker('sync', [r, s, ev, cond, flag, bar]);
    await bar.waitAsync({ timeout: 10_000 });
    eq(await ev.waitAsync({ timeout: 10_000 }), true, 'event');
    eq(await s.acquireAsync({ timeout: 10_000 }), true, 'semaphore');
    eq(await w, 'ok', 'worker');
    eq(flag.value, 1, 'flag');
    eq(await r.acquireAsync({ timeout: 1000 }), true, 'rlock');
  },
  async 'Array cells and typed-struct records written by a worker'() {
    const arr = new SharedArray('d', 4, { lock: false });
    const P = struct({ x: 'f64', n: 'u32' }, { name: 'BrowserP' });
    const ps = P.array(3);
    await inWorker('cells', [arr, ps]);
    eq([...arr], [0, 1.5, 3, 4.5], 'array');
    eq([ps.get(2).x, ps.get(2).n], [2.5, 7], 'struct');
  },
  async 'Queue carries numbers and ASCII strings both ways'() {
    await echo([1, 2.5, 'short', true, null, -0.5]);
  },
  async 'Pipe carries numbers, ASCII strings and bytes both ways'() {
    const [a, b] = Pipe();
    const w = inWorker('pipe', [b]);
    const items = [1, -2.5, 'ascii', true, null, new Uint8Array([1, 2, 3])];
    for (const x of items) await a.sendAsync(x);
    await a.sendAsync('END');
    for (const x of items) {
      const got = await a.recvAsync({ timeout: 10_000 });
      if (JSON.stringify(got) !== JSON.stringify(x) || typeof got !== typeof x)
        throw new Error(`sent ${x}, got ${got}`);
    }
    await w;
  },
  async 'Queue carries non-ASCII and long strings both ways'() {
    await echo(['é', 'é'.repeat(40), 'x'.repeat(60), '日本語', '']);
  },
  async 'Queue carries objects both ways'() {
    await echo([{ a: [1, 2], s: 'é' }, [1, { b: null }], new Map([[1, 'x']]), new Set([2]), new Date(5)]);
  },
};

await runCases(cases);
