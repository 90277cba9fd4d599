// The browser manager suite's own module Web Worker (manager-page.mjs starts it): a Manager and a
// SyncManager made and used inside a worker, where the sync forms are allowed (their servers are
// nested module Web Workers), and the async forms too. A browser starts a nested worker through
// its parent's event loop: the first call after new Manager() must be async (a sync one is
// refused, not left to hang). Posts { value } or { error }.
import { BlockingNotAllowedError } from '@sabkit/atomics-sync';
import { Manager, SyncManager } from '@sabkit/multiprocessing';

async function run() {
  await using m = new Manager();
  let refused = false;
  try {
    m.dict();
  } catch (e) {
    refused = e instanceof BlockingNotAllowedError && /dictAsync\(\) first/.test(e.message);
  }
  const d = await m.dictAsync([['a', 1]]);
  d.set('b', 2);
  d.add('a', 10);
  await d.setAsync('c', 3);
  const lock = m.Lock();
  lock.acquire();
  lock.release();
  await using s = new SyncManager();
  await s.start();
  const l = s.list([1, 2]);
  l.append(3);
  await l.appendAsync(4);
  const q = s.Queue();
  q.put('x');
  const served = s.Lock();
  const got = served.acquire(1000);
  served.release();
  const ns = s.Namespace({ k: 'v' });
  return {
    refused,
    dict: d.items(),
    list: l.copy(),
    queue: [q.get(1000), await q.getAsync(0).catch((e) => e.name)],
    lock: got,
    ns: ns.get('k'),
    objects: s.numberOfObjects(),
  };
}

run().then(
  (value) => postMessage({ value }),
  (e) => postMessage({ error: String(e?.stack ?? e) }),
);
