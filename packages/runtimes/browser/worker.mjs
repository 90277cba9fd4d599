// The browser suite's module Web Worker: blocking (sync) calls are allowed here.
import {
  Barrier,
  Condition,
  Event,
  Lock,
  Queue,
  RLock,
  Semaphore,
  SharedArray,
  Value,
  revive,
} from '@sabkit/atomics-sync';
import '@sabkit/typed-struct'; // registers the struct kinds, so that revive() makes them live

const ops = {
  count(lock, v, n) {
    for (let i = 0; i < n; i++) {
      lock.acquire();
      v.value = v.value + 1;
      lock.release();
    }
  },
  sync(r, s, ev, cond, flag, bar) {
    r.acquire();
    r.acquire();
    r.release();
    r.release();
    bar.wait(10_000);
    cond.acquire();
    flag.value = 1;
    cond.notifyAll();
    cond.release();
    ev.set();
    s.release();
    return 'ok';
  },
  cells(arr, ps) {
    for (let i = 0; i < 4; i++) arr.set(i, i * 1.5);
    ps.get(2).x = 2.5;
    ps.get(2).n = 7;
  },
  pipe(conn) {
    for (let i = 0; i < 20; i++) {
      const x = conn.recv(10_000);
      if (x === 'END') break;
      conn.send(x);
    }
  },
  queue(q, back) {
    let n = 0;
    for (;;) {
      const x = q.get(10_000);
      if (x === 'END' || ++n > 20) break;
      back.put(x);
    }
  },
};
void [Barrier, Condition, Event, Lock, Queue, RLock, Semaphore, SharedArray, Value];

self.onmessage = (e) => {
  try {
    const args = e.data.args.map((a) => revive(a));
    self.postMessage({ value: ops[e.data.op](...args) });
  } catch (err) {
    self.postMessage({ error: String(err?.stack ?? err) });
  }
};
