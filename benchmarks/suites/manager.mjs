// Managers: sabkit's against Python's multiprocessing managers, in one run.
//   manager.local-dict    dict set + get through a proxy, ops/s: sabkit Manager() from a worker
//                         (a Process) and from the main thread (its dicts live in a shared table:
//                         no round trip to the server thread), and, for the round trip itself, a
//                         SyncManager started in this process (its dict on the server thread,
//                         each op a round trip through the shared-memory channel); Python's
//                         Manager() (each op a round trip to its server process over a Unix
//                         socket); payloads: a small int, and an object { id, name, tags }
//   manager.remote-dict   the same over TCP on loopback with an authkey, the server in another
//                         process: sabkit SyncManager.connect() against Python's
//                         SyncManager(address=('127.0.0.1', 0)).connect(); "(int)"/"(obj)" one
//                         thread, "4 threads" four client threads at once (sabkit: 4 Processes
//                         sharing the connection; Python: 4 threads, each its own connection)
//                         "async" lines: the proxy's …Async methods, over the main thread's own
//                         connection (no link thread): "1 client sequential" awaits each call
//                         before the next (against Python's one thread); "4 clients concurrent"
//                         runs 4 such loops at once on the one connection (against Python's 4
//                         threads); "pipelined" keeps 100 calls in flight (against Python's one
//                         thread, which cannot pipeline)
//   manager.tcp-echo      the floor under every remote figure: a bare 32-byte TCP echo on loopback
//                         (no manager, no codec, no auth), one client awaiting each reply, round
//                         trips/s: Node's node:net (server in another process, as above) and
//                         Python's socket module (server in a thread). A sequential remote call
//                         can be no faster than its runtime's bare echo.
// Ratios are their own lines (impl "ratio sabkit/python"; > 1 means sabkit is faster). The machine
// is noisy: each round measures sabkit, then Python, back to back, and a ratio's samples are the
// per-round ratios (so a load spike hits both sides of one ratio, not one side of all of them).
// Needs the built packages: `npx -y pnpm@12.4.2 run build`.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { Event, Array as SharedArray, Manager, Process, SyncManager, Value } from '@sabkit/multiprocessing';
import { QUICK, emit, median, python, runPython, runsFor } from '../lib/report.mjs';

const runs = runsFor(7, 3);
const LOCAL_OPS = QUICK ? 50_000 : 200_000;
const REMOTE_OPS = QUICK ? 1_000 : 5_000;
const OBJ = { id: 12345, name: 'sensor-7', tags: ['a', 'b', 'c'] };

const PY = `
import json, sys, time, threading
from multiprocessing import Manager
from multiprocessing.managers import SyncManager

def rate(d, n, value):
    t0 = time.perf_counter()
    for i in range(n):
        d['k'] = value
        d.get('k')
    return 2 * n / (time.perf_counter() - t0)

if __name__ == '__main__':
    local_ops, remote_ops = int(sys.argv[1]), int(sys.argv[2])
    obj = {'id': 12345, 'name': 'sensor-7', 'tags': ['a', 'b', 'c']}
    out = {}
    with Manager() as m:
        d = m.dict()
        rate(d, 1000, 1)
        out['local-int'] = rate(d, local_ops, 1)
        out['local-obj'] = rate(d, local_ops, obj)
    server = SyncManager(address=('127.0.0.1', 0), authkey=b'bench-key')
    server.start()
    client = SyncManager(address=server.address, authkey=b'bench-key')
    client.connect()
    d = client.dict()
    rate(d, 1000, 1)
    out['remote-int'] = rate(d, remote_ops, 1)
    out['remote-obj'] = rate(d, remote_ops, obj)
    def work():
        for i in range(remote_ops // 4):
            d['k'] = 1
            d.get('k')
    ts = [threading.Thread(target=work) for _ in range(4)]
    t0 = time.perf_counter()
    for t in ts: t.start()
    for t in ts: t.join()
    out['remote-4threads'] = 2 * (remote_ops // 4) * 4 / (time.perf_counter() - t0)
    server.shutdown()
    import socket
    srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
    def echo():
        c, _ = srv.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            b = c.recv(64)
            if not b: break
            c.sendall(b)
    threading.Thread(target=echo, daemon=True).start()
    s = socket.create_connection(srv.getsockname()); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    msg = b'x' * 32
    for _ in range(500): s.sendall(msg); s.recv(64)
    t0 = time.perf_counter()
    for _ in range(remote_ops): s.sendall(msg); s.recv(64)
    out['tcp-echo'] = remote_ops / (time.perf_counter() - t0)
    s.close()
    print(json.dumps(out))
`;

function opsPerSec(d, n, value) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    d.set('k', value);
    d.get('k');
  }
  return (2 * n) / ((performance.now() - t0) / 1000);
}

async function opsPerSecAsync(d, n, value) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await d.setAsync('k', value);
    await d.getAsync('k');
  }
  return (2 * n) / ((performance.now() - t0) / 1000);
}

/** `clients` concurrent async loops sharing n set + get pairs. */
async function concurrentAsync(d, n, clients) {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < n / clients; i++) {
        await d.setAsync('k', 1);
        await d.getAsync('k');
      }
    }),
  );
  return (2 * n) / ((performance.now() - t0) / 1000);
}

/** n set + get pairs, 50 pairs (100 calls) in flight at a time. */
async function pipelined(d, n) {
  const t0 = performance.now();
  for (let b = 0; b < n / 50; b++) {
    const calls = [];
    for (let i = 0; i < 50; i++) calls.push(d.setAsync('k', 1), d.getAsync('k'));
    await Promise.all(calls);
  }
  return (2 * n) / ((performance.now() - t0) / 1000);
}

/** ops/s of a Process doing set + get on `d`. */
async function fromWorker(d, n, value) {
  const out = new Value('f64', 0);
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
    args: [d, out, n, value],
  });
  p.start();
  await p.join();
  return out.value;
}

/** Aggregate ops/s of 4 Processes doing set + get on `d` at once. */
async function fourThreads(d, n) {
  const ends = new SharedArray('f64', 4);
  const go = new Event();
  const procs = [0, 1, 2, 3].map(
    (k) =>
      new Process({
        target: (d, ends, go, k, n) => {
          d.get('k'); // the proxy is revived and the thread warm before the start
          go.wait();
          for (let i = 0; i < n; i++) {
            d.set('k', 1);
            d.get('k');
          }
          ends.set(k, performance.timeOrigin + performance.now());
        },
        args: [d, ends, go, k, n / 4],
      }),
  );
  for (const p of procs) p.start();
  await new Promise((r) => setTimeout(r, 500));
  const start = performance.timeOrigin + performance.now();
  go.set();
  for (const p of procs) await p.join();
  const end = Math.max(...[0, 1, 2, 3].map((k) => ends.get(k)));
  return (2 * n) / ((end - start) / 1000);
}

// The remote server runs in its own process, as Python's does.
const SERVER = `
import { SyncManager } from '@sabkit/multiprocessing';
const server = new SyncManager({ address: ['127.0.0.1', 0], authkey: 'bench-key' }).getServer();
const a = await server.listen();
console.log(JSON.stringify(a));
await server.serveForever();
`;

// The bare echo: a node:net server in its own process; the client awaits each 32-byte reply.
const ECHO = `
import net from 'node:net';
const srv = net.createServer((s) => { s.setNoDelay(true); s.on('data', (b) => s.write(b)); });
srv.listen(0, '127.0.0.1', () => console.log(JSON.stringify(srv.address())));
`;
async function tcpEcho(socket, n) {
  const msg = Buffer.alloc(32, 120);
  const t = performance.now();
  await new Promise((resolve) => {
    let got = 0;
    const onData = (b) => {
      got += b.length;
      if (got < 32) return;
      got -= 32;
      if (--n === 0) {
        socket.off('data', onData);
        resolve();
      } else socket.write(msg);
    };
    socket.on('data', onData);
    socket.write(msg);
  });
  return performance.now() - t;
}

const py = python();
if (!py) process.stderr.write('manager: python3 not found; Python figures skipped\n');
const ours = {};
const theirs = {};
const add = (to, k, v) => (to[k] ??= []).push(v);
const m = new Manager();
const inProcess = new SyncManager();
await inProcess.start();
const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], {
  stdio: ['ignore', 'pipe', 'inherit'],
  cwd: import.meta.dirname,
});
const echoChild = spawn(process.execPath, ['--input-type=module', '-e', ECHO], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let client;
let echo;
try {
  const echoPort = await new Promise((resolve, reject) => {
    echoChild.stdout.once('data', (b) => resolve(JSON.parse(String(b)).port));
    echoChild.once('exit', (c) => reject(new Error(`the echo server exited with ${c}`)));
  });
  echo = net.connect(echoPort, '127.0.0.1');
  echo.setNoDelay(true);
  await new Promise((resolve) => echo.once('connect', resolve));
  await tcpEcho(echo, 500);
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (b) => resolve(JSON.parse(String(b)).port));
    child.once('exit', (c) => reject(new Error(`the server exited with ${c}`)));
  });
  client = new SyncManager({ address: ['127.0.0.1', port], authkey: 'bench-key' });
  await client.connect();
  const local = m.dict();
  const served = inProcess.dict();
  opsPerSec(served, 2000, 1);
  const remote = client.dict();
  opsPerSec(local, 2000, 1);
  opsPerSec(remote, 500, 1);
  await opsPerSecAsync(remote, 500, 1);
  await pipelined(remote, 500);
  for (let r = 0; r < runs; r++) {
    process.stderr.write(`manager: round ${r + 1} of ${runs}\n`);
    for (const [name, value] of [
      ['int', 1],
      ['obj', OBJ],
    ]) {
      add(ours, `local-main-${name}`, opsPerSec(local, LOCAL_OPS, value));
      add(ours, `local-${name}`, await fromWorker(local, LOCAL_OPS, value));
      add(ours, `remote-${name}`, opsPerSec(remote, REMOTE_OPS, value));
      add(ours, `remote-async-${name}`, await opsPerSecAsync(remote, REMOTE_OPS, value));
    }
    add(ours, 'remote-async-4', await concurrentAsync(remote, REMOTE_OPS, 4));
    add(ours, 'remote-pipelined', await pipelined(remote, REMOTE_OPS));
    add(ours, 'served-int', opsPerSec(served, LOCAL_OPS, 1));
    add(ours, 'remote-4threads', await fourThreads(remote, REMOTE_OPS));
    add(ours, 'tcp-echo', REMOTE_OPS / ((await tcpEcho(echo, REMOTE_OPS)) / 1000));
    if (py) for (const [k, v] of Object.entries(runPython(PY, [LOCAL_OPS / 5, REMOTE_OPS])[0])) add(theirs, k, v);
  }
} finally {
  await client?.shutdown();
  echo?.destroy();
  echoChild.kill();
  child.kill();
  await m.shutdown();
  await inProcess.shutdown();
}

const LABEL = {
  'local-main-int': ['manager.local-dict', 'sabkit Manager main thread (int)', 'local-int'],
  'local-main-obj': ['manager.local-dict', 'sabkit Manager main thread (obj)', 'local-obj'],
  'local-int': ['manager.local-dict', 'sabkit Manager worker (int)', 'local-int'],
  'local-obj': ['manager.local-dict', 'sabkit Manager worker (obj)', 'local-obj'],
  'served-int': ['manager.local-dict', 'sabkit SyncManager in-process, channel round trip, main (int)', 'local-int'],
  'remote-int': ['manager.remote-dict', 'sabkit SyncManager TCP sync, 1 client sequential (int)', 'remote-int'],
  'remote-obj': ['manager.remote-dict', 'sabkit SyncManager TCP sync, 1 client sequential (obj)', 'remote-obj'],
  'remote-4threads': ['manager.remote-dict', 'sabkit SyncManager TCP sync, 4 Processes via link', 'remote-4threads'],
  'remote-async-int': ['manager.remote-dict', 'sabkit SyncManager TCP async, 1 client sequential (int)', 'remote-int'],
  'remote-async-obj': ['manager.remote-dict', 'sabkit SyncManager TCP async, 1 client sequential (obj)', 'remote-obj'],
  'remote-async-4': ['manager.remote-dict', 'sabkit SyncManager TCP async, 4 clients concurrent', 'remote-4threads'],
  'tcp-echo': ['manager.tcp-echo', 'node:net bare echo, 1 client sequential (round trips)', 'tcp-echo'],
  'remote-pipelined': [
    'manager.remote-dict',
    'sabkit SyncManager TCP async, 1 client pipelined 100 (int)',
    'remote-int',
  ],
};
for (const [k, [bench, impl]] of Object.entries(LABEL)) emit(bench, impl, 'ops', ours[k], 'ops/s');
if (py) {
  emit(
    'manager.tcp-echo',
    `python ${py.version} socket bare echo, 1 client sequential (round trips)`,
    'ops',
    theirs['tcp-echo'],
    'ops/s',
  );
  for (const k of ['local-int', 'local-obj', 'remote-int', 'remote-obj', 'remote-4threads']) {
    const bench = k.startsWith('local') ? 'manager.local-dict' : 'manager.remote-dict';
    const what = k.startsWith('local') ? 'Manager()' : 'SyncManager TCP';
    const how = { int: '1 thread (int)', obj: '1 thread (obj)', '4threads': '4 threads' }[k.split('-')[1]];
    emit(
      bench,
      `python ${py.version} ${what} ${k.startsWith('local') ? `(${k.split('-')[1]})` : how}`,
      'ops',
      theirs[k],
      'ops/s',
    );
  }
  // The ceiling of the sequential remote case: no node:net call can beat node:net's bare echo.
  emit(
    'manager.tcp-echo',
    'ceiling: node:net bare echo / python SyncManager TCP 1 thread (int)',
    'speed-up',
    ours['tcp-echo'].map((v, i) => v / theirs['remote-int'][i]),
    'x',
    { note: 'per-round ratios; the most a sequential node:net remote call could reach against Python' },
  );
  for (const [k, [bench, impl, pyKey]] of Object.entries(LABEL)) {
    const ratios = ours[k].map((v, i) => v / theirs[pyKey][i]);
    const [a, b] = [median(ours[k]).toPrecision(4), median(theirs[pyKey]).toPrecision(4)];
    emit(bench, `ratio sabkit/python: ${impl.replace('sabkit ', '')}`, 'speed-up', ratios, 'x', {
      note: `per-round ratios; medians: sabkit ${a}, python ${b}`,
    });
  }
}
