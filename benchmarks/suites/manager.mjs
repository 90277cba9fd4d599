// Managers: sabkit's against Python's multiprocessing managers, in one run.
//   manager.local-dict    dict set + get through a proxy, ops/s (each op one round trip):
//                         sabkit Manager from a worker (a Process) and from the main thread,
//                         through shared memory; Python's Manager() (its server process, a Unix
//                         socket); payloads: a small int, and an object { id, name, tags }
//   manager.remote-dict   the same over TCP on loopback with an authkey, the server in another
//                         process: sabkit SyncManager.connect() against Python's
//                         SyncManager(address=('127.0.0.1', 0)).connect(); "(int)"/"(obj)" one
//                         thread, "4 threads" four client threads at once (sabkit: 4 Processes
//                         sharing the connection; Python: 4 threads, each its own connection)
// Ratios are their own lines (impl "ratio sabkit/python"; > 1 means sabkit is faster).
// Needs the built packages: `npx -y pnpm@12.4.2 run build`.
import { spawn } from 'node:child_process';
import { Event, Array as SharedArray, Manager, Process, SyncManager, Value } from '@sabkit/multiprocessing';
import { QUICK, emit, python, runPython, runsFor } from '../lib/report.mjs';

const runs = runsFor(7, 3);
const LOCAL_OPS = QUICK ? 5_000 : 50_000;
const REMOTE_OPS = QUICK ? 1_000 : 5_000;
const OBJ = { id: 12345, name: 'sensor-7', tags: ['a', 'b', 'c'] };

const PY = `
import json, sys, time
from multiprocessing import Manager
from multiprocessing.managers import SyncManager

def bench(d, n, value):
    out = []
    for _ in range(int(sys.argv[3])):
        t0 = time.perf_counter()
        for i in range(n):
            d['k'] = value
            d.get('k')
        out.append(2 * n / (time.perf_counter() - t0))
    return out

if __name__ == '__main__':
    local_ops, remote_ops = int(sys.argv[1]), int(sys.argv[2])
    obj = {'id': 12345, 'name': 'sensor-7', 'tags': ['a', 'b', 'c']}
    with Manager() as m:
        d = m.dict()
        bench(d, 1000, 1)
        print(json.dumps({"metric": "local-int", "samples": bench(d, local_ops, 1)}))
        print(json.dumps({"metric": "local-obj", "samples": bench(d, local_ops, obj)}))
    server = SyncManager(address=('127.0.0.1', 0), authkey=b'bench-key')
    server.start()
    client = SyncManager(address=server.address, authkey=b'bench-key')
    client.connect()
    d = client.dict()
    bench(d, 1000, 1)
    print(json.dumps({"metric": "remote-int", "samples": bench(d, remote_ops, 1)}))
    print(json.dumps({"metric": "remote-obj", "samples": bench(d, remote_ops, obj)}))
    import threading
    samples = []
    for _ in range(int(sys.argv[3])):
        def work():
            for i in range(remote_ops // 4):
                d['k'] = 1
                d.get('k')
        ts = [threading.Thread(target=work) for _ in range(4)]
        t0 = time.perf_counter()
        for t in ts: t.start()
        for t in ts: t.join()
        samples.append(2 * (remote_ops // 4) * 4 / (time.perf_counter() - t0))
    print(json.dumps({"metric": "remote-4threads", "samples": samples}))
    server.shutdown()
`;

function opsPerSec(d, n, value) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    d.set('k', value);
    d.get('k');
  }
  return (2 * n) / ((performance.now() - t0) / 1000);
}

const figures = {};
{
  const m = new Manager();
  try {
    const d = m.dict();
    opsPerSec(d, 2000, 1);
    for (const [name, value] of [
      ['int', 1],
      ['obj', OBJ],
    ]) {
      const main = [];
      for (let r = 0; r < runs; r++) main.push(opsPerSec(d, LOCAL_OPS, value));
      figures[`local-main-${name}`] = emit(
        'manager.local-dict',
        `sabkit Manager main thread (${name})`,
        'ops',
        main,
        'ops/s',
      );
      const out = new Value('f64', 0);
      const fromWorker = [];
      for (let r = 0; r < runs; r++) {
        const p = new Process({
          target: (d, out, n, value) => {
            for (let i = 0; i < 2000; i++) {
              d.set('k', value);
              d.get('k');
            }
            const t0 = performance.now();
            for (let i = 0; i < n; i++) {
              d.set('k', value);
              d.get('k');
            }
            out.value = (2 * n) / ((performance.now() - t0) / 1000);
          },
          args: [d, out, LOCAL_OPS, value],
        });
        p.start();
        await p.join();
        fromWorker.push(out.value);
      }
      figures[`local-${name}`] = emit(
        'manager.local-dict',
        `sabkit Manager worker (${name})`,
        'ops',
        fromWorker,
        'ops/s',
      );
    }
  } finally {
    await m.shutdown();
  }
}

// The remote server runs in its own process, as Python's does.
const SERVER = `
import { SyncManager } from '@sabkit/multiprocessing';
const server = new SyncManager({ address: ['127.0.0.1', 0], authkey: 'bench-key' }).getServer();
const a = await server.listen();
console.log(JSON.stringify(a));
await server.serveForever();
`;
const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], {
  stdio: ['ignore', 'pipe', 'inherit'],
  cwd: import.meta.dirname,
});
try {
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (b) => resolve(JSON.parse(String(b)).port));
    child.once('exit', (c) => reject(new Error(`the server exited with ${c}`)));
  });
  const client = new SyncManager({ address: ['127.0.0.1', port], authkey: 'bench-key' });
  await client.connect();
  try {
    const d = client.dict();
    opsPerSec(d, 1000, 1);
    for (const [name, value] of [
      ['int', 1],
      ['obj', OBJ],
    ]) {
      const s = [];
      for (let r = 0; r < runs; r++) s.push(opsPerSec(d, REMOTE_OPS, value));
      figures[`remote-${name}`] = emit('manager.remote-dict', `sabkit SyncManager TCP (${name})`, 'ops', s, 'ops/s');
    }
    const counts = new SharedArray('f64', 4);
    const go = new Event();
    const four = [];
    for (let r = 0; r < runs; r++) {
      const procs = [0, 1, 2, 3].map(
        (k) =>
          new Process({
            target: (d, counts, go, k, n) => {
              d.get('k'); // the proxy is revived and the thread warm before the start
              go.wait();
              for (let i = 0; i < n; i++) {
                d.set('k', 1);
                d.get('k');
              }
              counts.set(k, performance.timeOrigin + performance.now());
            },
            args: [d, counts, go, k, REMOTE_OPS / 4],
          }),
      );
      go.clear();
      for (const p of procs) p.start();
      await new Promise((r) => setTimeout(r, 500));
      const start = performance.timeOrigin + performance.now();
      go.set();
      for (const p of procs) await p.join();
      const end = Math.max(...[0, 1, 2, 3].map((k) => counts.get(k)));
      four.push((2 * REMOTE_OPS) / ((end - start) / 1000));
    }
    figures['remote-4threads'] = emit('manager.remote-dict', 'sabkit SyncManager TCP (4threads)', 'ops', four, 'ops/s');
  } finally {
    await client.shutdown();
  }
} finally {
  child.kill();
}

const py = python();
if (py) {
  const out = runPython(PY, [LOCAL_OPS / 5, REMOTE_OPS, runs]);
  for (const rec of out) {
    const [where, name] = rec.metric.split('-');
    const bench = `manager.${where}-dict`;
    const impl = where === 'local' ? `python ${py.version} Manager()` : `python ${py.version} SyncManager TCP`;
    const v = emit(bench, `${impl} (${name})`, 'ops', rec.samples, 'ops/s');
    const ours = figures[`${where}-${name}`];
    emit(bench, `ratio sabkit/python (${name}${where === 'local' ? ', worker' : ''})`, 'speed-up', [ours / v], 'x');
    if (where === 'local')
      emit(bench, `ratio sabkit/python (${name}, main thread)`, 'speed-up', [figures[`local-main-${name}`] / v], 'x');
  }
} else {
  process.stderr.write('manager: python3 not found; Python figures skipped\n');
}
