// The browser suite's manager page (bundled by run-browser.mjs with esbuild, sabkitWorkers(), and
// with Vite): Manager and SyncManager on the page (async forms only; sync forms refused naming the
// async one), their servers in module Web Workers, proxies in Pool tasks and a Process, a Manager
// inside a module Web Worker (manager-worker.mjs, sync forms), the network manager refused. The
// page served from a build without sabkit-manager-worker.js (".../missing-worker/...") runs only
// the cases that check the error naming it; without cross-origin isolation, only the one that
// checks SharedMemoryUnavailableError. Results go to window.__sabkitResults.
import { BlockingNotAllowedError, ClosedError, SharedMemoryUnavailableError } from '@sabkit/atomics-sync';
import {
  BaseManager,
  Manager,
  ManagerNetworkUnavailableError,
  ManagerStartError,
  Pool,
  Process,
  SyncManager,
} from '@sabkit/multiprocessing';
import { eq, rejects, runCases } from './page-harness.mjs';

// Iterations of each of the three hammering parties (2 Pool workers and the page).
const N = 300;

/**
 * A Pool task (inline: no closure): `n` read-modify-write increments of d.n under `lock` (a sabkit
 * Lock or a served LockProxy, sync forms in the worker), and `n` atomic d.add('a', 1) outside it.
 */
function hammer(d, lock, n) {
  for (let i = 0; i < n; i++) {
    lock.acquire();
    try {
      d.set('n', d.get('n') + 1);
    } finally {
      lock.release();
    }
    d.add('a', 1);
  }
  return n;
}

/** The page's share of the same work, in async forms. */
async function hammerPage(d, lock, n) {
  for (let i = 0; i < n; i++) {
    await lock.acquireAsync();
    try {
      await d.setAsync('n', (await d.getAsync('n')) + 1);
    } finally {
      // A served lock's release is a round trip (releaseAsync); a sabkit Lock's never waits.
      await (lock.releaseAsync ? lock.releaseAsync() : lock.release());
    }
    await d.addAsync('a', 1);
  }
}

/** 2 Pool workers and the page hammer d and lock at once; the counts must add up exactly. */
async function hammerAll(d, lock, n) {
  await d.setAsync('n', 0);
  await d.setAsync('a', 0);
  await using pool = new Pool(2);
  const tasks = pool.starmap(hammer, [
    [d, lock, n],
    [d, lock, n],
  ]);
  await hammerPage(d, lock, n);
  eq(await tasks, [n, n], 'the workers did their share');
  eq([await d.getAsync('n'), await d.getAsync('a')], [3 * n, 3 * n], 'n under the lock, a by add()');
}

const cases = {
  async 'Manager: no SharedArrayBuffer names cross-origin isolation and both headers'() {
    for (const make of [() => new Manager(), () => new SyncManager()]) {
      const e = await rejects(make, SharedMemoryUnavailableError, /cross-origin isolated/, 'no SAB');
      for (const h of ['Cross-Origin-Opener-Policy', 'Cross-Origin-Embedder-Policy'])
        if (!e.message.includes(h)) throw new Error(`message lacks ${h}: ${e.message}`);
    }
  },
  async 'Manager: shared-table dict and Lock hammered by 2 Pool workers and the page; sync forms refused'() {
    await using m = new Manager();
    const d = await m.dictAsync({ x: 1 });
    await rejects(() => m.dict(), BlockingNotAllowedError, /dictAsync\(\)/, 'm.dict() on the page');
    await rejects(() => d.get('x'), BlockingNotAllowedError, /getAsync\(\)/, 'd.get() on the page');
    await rejects(() => d.size, BlockingNotAllowedError, /sizeAsync\(\)/, 'd.size on the page');
    await hammerAll(d, m.Lock(), N);
    const ns = await m.NamespaceAsync({ k: 1 });
    await ns.setAsync('j', 'é');
    eq([await ns.getAsync('k'), await ns.getAsync('j')], [1, 'é'], 'Namespace');
    await d.callMethodAsync('update', [[['u', 1]]]);
    eq(await d.sizeAsync(), 4, 'size after update');
    // The table's lock held by another thread (word 0: its owner's id + 1; docs/layouts/manager-dict.md):
    // the page's call waits without blocking the page, and completes once the lock is released.
    const lockWord = new Int32Array(d.table, 0, 2);
    Atomics.store(lockWord, 0, 12_345);
    let done = false;
    const pending = d.getAsync('u').then((v) => {
      done = true;
      return v;
    });
    await new Promise((r) => setTimeout(r, 50));
    eq(done, false, 'waits while the lock is held (and the page runs)');
    Atomics.store(lockWord, 0, 0);
    Atomics.notify(lockWord, 0);
    eq(await pending, 1, 'answered once released');
    await m.shutdown();
    await rejects(d.getAsync('n'), ClosedError, /shut down/, 'after shutdown');
  },
  async 'SyncManager: served dict and Lock hammered by 2 Pool workers and the page; other types'() {
    await using s = new SyncManager();
    await s.start();
    const d = await s.dictAsync();
    const lock = await s.LockAsync();
    await rejects(() => s.Lock(), BlockingNotAllowedError, /LockAsync\(\)/, 's.Lock() on the page');
    await rejects(() => lock.acquire(), BlockingNotAllowedError, /acquireAsync\(\)/, 'acquire() on the page');
    await hammerAll(d, lock, N / 3);
    const l = await s.listAsync([1]);
    await l.appendAsync(2);
    const v = await s.ValueAsync('i', 5);
    await v.setAsync(6);
    const ev = await s.EventAsync();
    eq([await l.copyAsync(), await v.getAsync(), await ev.waitAsync(0)], [[1, 2], 6, false], 'list, Value, Event');
    eq((await s.numberOfObjectsAsync()) >= 5, true, 'objects on the server');
    await s.shutdown();
    await rejects(d.getAsync('n'), ClosedError, /shut down/, 'after shutdown');
  },
  async 'SyncManager: a Queue between the page and a Process, both ways'() {
    await using s = new SyncManager();
    await s.start();
    const q = await s.QueueAsync();
    const out = await s.QueueAsync();
    const p = new Process({
      target: (q, out) => {
        for (let x = q.get(10_000); x !== null; x = q.get(10_000)) out.put(x * 2);
      },
      args: [q, out],
    });
    p.start();
    const xs = Array.from({ length: 50 }, (_, i) => i);
    for (const x of xs) await q.putAsync(x);
    await q.putAsync(null);
    const got = [];
    for (const _ of xs) got.push(await out.getAsync(10_000));
    eq(
      got,
      xs.map((x) => x * 2),
      'doubled, in order',
    );
    await p.join({ timeout: 15_000 });
    eq(p.exitCode, 0, 'exit code');
  },
  async 'Manager and SyncManager inside a module Web Worker: sync and async forms'() {
    const w = new Worker(new URL('./manager-worker.mjs', import.meta.url), { type: 'module' });
    try {
      const value = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the worker did not answer in 15 s')), 15_000);
        w.onmessage = (e) => {
          clearTimeout(timer);
          if (e.data.error) reject(new Error(e.data.error));
          else resolve(e.data.value);
        };
        w.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
      });
      eq(
        value,
        {
          refused: true,
          dict: [
            ['a', 11],
            ['b', 2],
            ['c', 3],
          ],
          list: [1, 2, 3, 4],
          queue: ['x', 'Empty'],
          lock: true,
          ns: 'v',
          objects: 4,
        },
        'what the worker saw',
      );
    } finally {
      w.terminate();
    }
  },
  async 'BaseManager.register: an inline type made in the server worker, called by the page and a Pool task'() {
    class CounterManager extends BaseManager {}
    CounterManager.register(
      'Counter',
      () => ({
        n: 0,
        inc: function (k) {
          this.n += k;
          return this.n;
        },
      }),
      {
        exposed: ['inc'],
      },
    );
    await using m = new CounterManager();
    await m.start();
    const c = await m.createAsync('Counter');
    await rejects(() => c.inc(1), BlockingNotAllowedError, /callMethodAsync\('inc'/, 'c.inc() on the page');
    eq(await c.callMethodAsync('inc', [1]), 1, 'from the page');
    await using pool = new Pool(1);
    eq(await pool.map((c) => c.inc(10), [c]), [11], 'from a Pool task');
    // A proxy a task returns comes alive on the page (its reference taken without waiting).
    const [back] = await pool.map((c) => c, [c]);
    eq([back.id, await back.callMethodAsync('inc', [1])], [c.id, 12], 'a proxy back from a task');
  },
  async 'network manager refused: ManagerNetworkUnavailableError says why'() {
    for (const make of [
      () => new SyncManager({ address: ['127.0.0.1', 0], authkey: 'k' }),
      () => new BaseManager({ address: { host: '127.0.0.1', port: 5000 } }),
    ]) {
      const e = await rejects(make, ManagerNetworkUnavailableError, /no TCP sockets/, 'address');
      eq(e.code, 'ERR_SABKIT_MANAGER_NO_NETWORK', 'code');
    }
  },
  async 'missing-worker: sabkit-manager-worker.js is not there: ManagerStartError names it, no hang'() {
    const m = new Manager();
    await rejects(m.dictAsync(), ManagerStartError, /sabkit-manager-worker\.js/, 'Manager');
    await m.shutdown();
    const s = new SyncManager();
    await rejects(s.start(), ManagerStartError, /sabkit-manager-worker\.js/, 'SyncManager.start()');
    await s.shutdown();
  },
};

await runCases(cases, { missingWorker: true });
