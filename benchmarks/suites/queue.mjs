// Queues and pipes: sabkit's shared-memory Queue and Pipe against MessagePort and Python's
// multiprocessing (when python3 exists), all in one run.
//   queue.1to1      one producer thread -> one consumer thread, msgs/s, for small values (int32),
//                   objects `{ a: i, b: 1 }` made per item (the realistic payload; Python: a dict),
//                   64-byte payloads (Uint8Array(64); Python: bytes(64)) and 64-KiB payloads.
//                   Impls: sabkit Queue, MessagePort, a bare shared-memory ring of int32 (the
//                   ceiling: no encoding, no locks, small values only), Python multiprocessing.Queue.
//   queue.4x4       4 producers -> 4 consumers, msgs/s, same payloads. MessagePort has no shared
//                   queue: each producer deals its messages round-robin to one port per consumer
//                   (16 channels), which is what one would build with it.
//   pipe.pingpong   round trip of a small value between two threads, p50 and p99 in µs: sabkit
//                   Pipe (send/recv), a MessageChannel, Python's multiprocessing.Pipe (2 processes).
//   codec           encode into a shared region + decode, ns/op: codec.ts (fast paths) against
//                   v8.serialize/deserialize for every value (the choice codec.ts made).
// Fairness: before the timed start, every impl streams the same warm-up items per producer over
// its real channel between the real threads (warmItems), so both sides of sabkit and of
// MessagePort are compiled and have met their waits; a figure is the median of its runs, and its
// JSON line carries every run's value (the spread).
// Ratios are emitted as their own lines (impl "ratio ..."). The machine has 2 cores: 4x4 runs 8
// threads on them, so it measures behaviour under oversubscription more than parallel speed.
// Needs atomics-sync's dist: `cd packages/atomics-sync && npx tsc -p tsconfig.json`.
import { Worker, MessageChannel, isMainThread, workerData, parentPort } from 'node:worker_threads';
import v8 from 'node:v8';
import { Queue, Pipe, Connection, codec } from '@sabkit/atomics-sync';
import { QUICK, emit, percentile, progress, repeat, runsFor, python, runPython } from '../lib/report.mjs';

const PAYLOADS = ['small', 'object', '64B', '64KiB'];
const now = () => performance.timeOrigin + performance.now();

function payload(kind, i) {
  if (kind === 'small') return i;
  if (kind === 'object') return { a: i, b: 1 };
  const u8 = new Uint8Array(kind === '64B' ? 64 : 65536);
  u8[0] = i & 255;
  return u8;
}

/**
 * Each run starts fresh workers, whose JIT is cold: put and get a few thousand items of this kind
 * on a private queue first, so that a short run measures the steady state, not the interpreter.
 */
function warmUp(kind) {
  const q = new Queue({ capacityBytes: 1 << 20 });
  const v = payload(kind, 1);
  const rounds = kind === '64KiB' ? 8 : 2000; // all of a round fits in the ring (one thread fills and drains it)
  for (let r = 0; r < 10; r++) {
    for (let i = 0; i < rounds; i++) q.put(kind === 'small' ? i : kind === 'object' ? { a: i, b: 1 } : v);
    for (let i = 0; i < rounds; i++) q.get();
  }
}

/**
 * The timed loops, as functions that run twice: first for `warm` items streamed between the real
 * threads on the real queue before the start signal, then timed. The private warm-up above never
 * waits (one thread fills and drains), so without this the timed run met the empty/full waits,
 * the received queue's object shapes and its own loop for the first time: deopts and recompiles
 * on 2 cores (the compiler thread takes a core from the producer or consumer) cost ~30 ms at the
 * start, half of a --quick small run, in 36a93b3 as today.
 */
function produce(queue, kind, items, n) {
  if (kind === 'object') for (let i = 0; i < n; i++) queue.put({ a: i, b: 1 });
  else if (items === null) for (let i = 0; i < n; i++) queue.put(i);
  else for (let i = 0; i < n; i++) queue.put(items);
}

/** Takes up to `n` items, stopping early at a null (the end marker); returns how many. */
function consume(queue, n) {
  let c = 0;
  while (c < n && queue.get() !== null) c++;
  return c;
}

/** MessagePort's produce(): `n` items dealt round-robin over `ports`. */
function mpProduce(ports, kind, items, n) {
  const k = ports.length;
  if (kind === 'object') for (let i = 0; i < n; i++) ports[i % k].postMessage({ a: i, b: 1 });
  else if (items === null) for (let i = 0; i < n; i++) ports[i % k].postMessage(i);
  else for (let i = 0; i < n; i++) ports[i % k].postMessage(items);
}

/** Ends a MessagePort producer's warm-up on each of its ports. */
const WARM_END = 'warm-up done';

/** Warm-up items per producer, streamed to the consumers before the start (both impls). */
const warmItems = (kind) => (kind === '64KiB' ? 16 : 20_000);

function waitGo(start) {
  const s = new Int32Array(start);
  Atomics.add(s, 1, 1);
  while (Atomics.load(s, 0) === 0) Atomics.wait(s, 0, 0);
}

// ---- worker side -------------------------------------------------------------------------------
const ROLES = {
  // sabkit Queue: producers put n items then `stops` nulls; consumers take until a null.
  'sab-produce'({ q, kind, n, stops, warm, start }) {
    const queue = Queue.from(q);
    const items = kind === 'small' || kind === 'object' ? null : payload(kind, 1);
    warmUp(kind);
    produce(queue, kind, items, warm);
    waitGo(start);
    produce(queue, kind, items, n);
    for (let i = 0; i < stops; i++) queue.put(null);
    return { t1: now() };
  },
  'sab-consume'({ q, kind, warm, start }) {
    const queue = Queue.from(q);
    warmUp(kind);
    consume(queue, warm);
    waitGo(start);
    const c = consume(queue, Number.POSITIVE_INFINITY);
    return { t1: now(), c };
  },
  // MessagePort: a producer deals round-robin over its ports; a consumer ends after `stops` nulls.
  // Warm-up as the Queue's: `warm` items streamed over the same ports before the start, then a
  // WARM_END on each port; a consumer joins the start once it has one from each of its ports.
  'mp-produce'({ ports, kind, n, stops, warm, start }) {
    const items = kind === 'small' || kind === 'object' ? null : payload(kind, 1);
    mpProduce(ports, kind, items, warm);
    for (const p of ports) p.postMessage(WARM_END);
    waitGo(start);
    mpProduce(ports, kind, items, n);
    const k = ports.length;
    for (let i = 0; i < stops; i++) ports[i % k].postMessage(null);
    return { t1: now() };
  },
  'mp-consume'({ ports, stops, start }) {
    return new Promise((resolve) => {
      let c = 0;
      let ended = 0;
      let warmEnds = 0;
      for (const p of ports) {
        p.on('message', (v) => {
          if (v === WARM_END) {
            if (++warmEnds === ports.length) {
              c = 0;
              waitGo(start);
            }
          } else if (v !== null) c++;
          else if (++ended === stops) {
            for (const q of ports) q.close();
            resolve({ t1: now(), c });
          }
        });
      }
    });
  },
  // The ceiling: a single-producer single-consumer ring of int32 with no encoding and no locks.
  'bare-produce'({ sab, n, start }) {
    const i32 = new Int32Array(sab);
    const CAP = (i32.length - 64) >> 0;
    waitGo(start);
    let tail = 0;
    let head = 0;
    for (let i = 0; i <= n; i++) {
      while (((tail - head) | 0) >= CAP) head = Atomics.load(i32, 16);
      i32[64 + (tail & (CAP - 1))] = i === n ? -1 : i;
      tail = (tail + 1) | 0;
      Atomics.store(i32, 32, tail);
    }
    return { t1: now() };
  },
  'bare-consume'({ sab, start }) {
    const i32 = new Int32Array(sab);
    const CAP = i32.length - 64;
    waitGo(start);
    let head = 0;
    let tail = 0;
    let c = 0;
    for (;;) {
      while (tail === head) tail = Atomics.load(i32, 32);
      const v = i32[64 + (head & (CAP - 1))];
      head = (head + 1) | 0;
      Atomics.store(i32, 16, head);
      if (v === -1) break;
      c++;
    }
    return { t1: now(), c };
  },
  // Ping-pong: the pinger times each round trip; the ponger echoes until it receives -1.
  'pipe-ping'({ conn, rounds, start }) {
    const c = Connection.from(conn);
    const rtt = new Float64Array(rounds);
    waitGo(start);
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      c.send(i);
      c.recv();
      rtt[i] = performance.now() - t0;
    }
    c.send(-1);
    return { rtt: Array.from(rtt) };
  },
  'pipe-pong'({ conn, start }) {
    const c = Connection.from(conn);
    waitGo(start);
    for (;;) {
      const v = c.recv();
      if (v === -1) break;
      c.send(v);
    }
    return {};
  },
  'mp-ping'({ port, rounds, start }) {
    waitGo(start);
    return new Promise((resolve) => {
      const rtt = new Float64Array(rounds);
      let i = 0;
      let t0 = performance.now();
      port.on('message', () => {
        rtt[i] = performance.now() - t0;
        if (++i === rounds) {
          port.postMessage(-1);
          port.close();
          resolve({ rtt: Array.from(rtt) });
          return;
        }
        t0 = performance.now();
        port.postMessage(i);
      });
      port.postMessage(0);
    });
  },
  'mp-pong'({ port, start }) {
    waitGo(start);
    return new Promise((resolve) => {
      port.on('message', (v) => {
        if (v === -1) {
          port.close();
          resolve({});
        } else port.postMessage(v);
      });
    });
  },
};

// ---- main side ---------------------------------------------------------------------------------

/** Starts the workers, releases them together, and returns [go time (epoch ms), their results]. */
async function runWorkers(specs) {
  const start = new SharedArrayBuffer(8);
  const s = new Int32Array(start);
  const ws = specs.map(
    ({ data, transfer }) =>
      new Worker(new URL(import.meta.url), { workerData: { ...data, start }, transferList: transfer ?? [] }),
  );
  const results = ws.map(
    (w) =>
      new Promise((res, rej) => {
        w.once('message', res);
        w.once('error', rej);
      }),
  );
  while (Atomics.load(s, 1) < ws.length) await new Promise((r) => setTimeout(r, 2));
  await new Promise((r) => setTimeout(r, 20)); // let every worker park on the start word
  const go = now();
  Atomics.store(s, 0, 1);
  Atomics.notify(s, 0);
  const out = await Promise.all(results);
  await Promise.all(ws.map((w) => w.terminate()));
  return [go, out];
}

/** Messages per second of one P x C run of `impl` with `kind` payloads, n messages in all. */
async function throughput(impl, kind, P, C, n) {
  const per = Math.floor(n / P);
  const total = per * P;
  const stopsOf = (p) => Array.from({ length: C }, (_, c) => c).filter((c) => c % P === p).length;
  let specs;
  if (impl === 'sab') {
    // 64 KiB (the default pipe size) keeps a small-message stream in the cores' caches; 64-KiB
    // payloads need a ring of more than twice their size to travel as single records.
    const q = new Queue({ capacityBytes: kind === '64KiB' ? 1 << 20 : 1 << 16 });
    // Warm-up items streamed before the start (produce()): every producer puts `warm`, every
    // consumer takes its share of them (P = C in both benches).
    const warm = warmItems(kind);
    if ((warm * P) % C !== 0) throw new Error(`queue: ${P}x${C} cannot share ${warm} warm-up items evenly`);
    specs = [
      ...Array.from({ length: C }, () => ({ data: { role: 'sab-consume', q, kind, warm: (warm * P) / C } })),
      ...Array.from({ length: P }, (_, p) => ({
        data: { role: 'sab-produce', q, kind, n: per, stops: stopsOf(p), warm },
      })),
    ];
  } else if (impl === 'mp') {
    // channel[p][c]: producer p's port to consumer c.
    const ch = Array.from({ length: P }, () => Array.from({ length: C }, () => new MessageChannel()));
    specs = [
      ...Array.from({ length: C }, (_, c) => {
        const ports = ch.map((row) => row[c].port2);
        return { data: { role: 'mp-consume', ports, stops: P }, transfer: ports };
      }),
      ...Array.from({ length: P }, (_, p) => {
        const ports = ch[p].map((x) => x.port1);
        return { data: { role: 'mp-produce', ports, kind, n: per, stops: C, warm: warmItems(kind) }, transfer: ports };
      }),
    ];
  } else {
    const sab = new SharedArrayBuffer(4 * (64 + (1 << 14)));
    specs = [{ data: { role: 'bare-consume', sab } }, { data: { role: 'bare-produce', sab, n: total } }];
  }
  const [go, out] = await runWorkers(specs);
  const got = out.reduce((s, r) => s + (r.c ?? 0), 0);
  if (got !== total) throw new Error(`${impl} ${P}x${C} ${kind}: consumers got ${got} of ${total}`);
  return total / ((Math.max(...out.map((r) => r.t1)) - go) / 1000);
}

const PY_QUEUE = `
import json, multiprocessing as mp, sys, time
def producer(q, n, kind, stops, ev):
    item = bytes(64) if kind == '64B' else bytes(65536) if kind == '64KiB' else None
    ev.wait()
    if kind == 'object':
        for i in range(n): q.put({'a': i, 'b': 1})
    elif item is None:
        for i in range(n): q.put(i)
    else:
        for i in range(n): q.put(item)
    for _ in range(stops): q.put(None)
def consumer(q, res, ev):
    ev.wait()
    c = 0
    while q.get() is not None: c += 1
    res.put((c, time.perf_counter()))
if __name__ == '__main__':
    a = sys.argv
    P, C, n, kind, runs, warm = int(a[1]), int(a[2]), int(a[3]), a[4], int(a[5]), int(a[6])
    ctx = mp.get_context('fork')
    per = n // P
    for r in range(runs + warm):
        q, res, ev = ctx.Queue(), ctx.Queue(), ctx.Event()
        ps = [ctx.Process(target=consumer, args=(q, res, ev)) for _ in range(C)]
        ps += [ctx.Process(target=producer, args=(q, per, kind, len([c for c in range(C) if c % P == p]), ev))
               for p in range(P)]
        for p in ps: p.start()
        time.sleep(0.05)
        t0 = time.perf_counter()
        ev.set()
        out = [res.get() for _ in range(C)]
        for p in ps: p.join()
        assert sum(c for c, _ in out) == per * P
        if r >= warm: print(json.dumps({"msgs_per_s": per * P / (max(t for _, t in out) - t0)}))
`;

const PY_PINGPONG = `
import json, multiprocessing as mp, sys, time
def pong(conn):
    while True:
        v = conn.recv()
        if v == -1: break
        conn.send(v)
if __name__ == '__main__':
    rounds, runs = int(sys.argv[1]), int(sys.argv[2])
    ctx = mp.get_context('fork')
    for r in range(runs + 1):
        a, b = ctx.Pipe()
        p = ctx.Process(target=pong, args=(b,))
        p.start()
        rtt = []
        for i in range(rounds):
            t0 = time.perf_counter_ns()
            a.send(i)
            a.recv()
            rtt.append((time.perf_counter_ns() - t0) / 1000)
        a.send(-1)
        p.join()
        rtt.sort()
        if r > 0: print(json.dumps({"p50": rtt[len(rtt) // 2], "p99": rtt[int(len(rtt) * 0.99)]}))
`;

async function pingpong(impl, rounds) {
  let specs;
  if (impl === 'sab') {
    const [a, b] = Pipe();
    specs = [{ data: { role: 'pipe-ping', conn: a, rounds } }, { data: { role: 'pipe-pong', conn: b } }];
  } else {
    const { port1, port2 } = new MessageChannel();
    specs = [
      { data: { role: 'mp-ping', port: port1, rounds }, transfer: [port1] },
      { data: { role: 'mp-pong', port: port2 }, transfer: [port2] },
    ];
  }
  const [, out] = await runWorkers(specs);
  const rtt = out[0].rtt.slice(Math.floor(rounds / 10)).map((ms) => ms * 1000); // drop the first 10% (JIT warm-up)
  return [percentile(rtt, 50), percentile(rtt, 99)];
}

/** ns per encode-into-shared-region + decode of `value`, with codec.ts or with v8 for everything. */
function codecNs(useV8, value, n) {
  const u8 = new Uint8Array(new SharedArrayBuffer(1 << 17));
  let sink;
  const t0 = performance.now();
  if (useV8) {
    for (let i = 0; i < n; i++) {
      const bytes = v8.serialize(value);
      u8.set(bytes, 8);
      sink = v8.deserialize(u8.subarray(8, 8 + bytes.byteLength));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const len = codec.encodeInto(value, u8, 8, u8.byteLength - 8);
      sink = codec.decode(u8, 8, len);
    }
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return ((performance.now() - t0) * 1e6) / n;
}

async function main() {
  const runs = runsFor(5, 3); // --quick: still a median of three
  const ratio = (bench, name, metric, a, b) => emit(bench, `ratio ${name}`, metric, [a / b], 'x');
  const py = python();
  // --quick runs stay long enough to outlast a scheduler hiccup: 200k small items took ~30 ms, so
  // one 10 ms preemption of either thread on this shared 2-core machine decided a run's figure.
  const N = {
    small: QUICK ? 1_000_000 : 4_000_000,
    object: QUICK ? 400_000 : 2_000_000,
    '64B': QUICK ? 100_000 : 2_000_000,
    '64KiB': QUICK ? 1_000 : 10_000,
  };
  const PYN = {
    small: QUICK ? 15_000 : 300_000,
    object: QUICK ? 15_000 : 200_000,
    '64B': QUICK ? 15_000 : 200_000,
    '64KiB': QUICK ? 500 : 5_000,
  };

  // codec: fast paths against v8 for everything.
  progress('queue: codec');
  {
    const values = {
      int32: 12345,
      float: 1.5,
      'string(16)': 'hello world 1234',
      'Uint8Array(64)': new Uint8Array(64),
      object: { id: 7, name: 'x', tags: [1, 2] },
      '{ a, b }': { a: 7, b: 1 },
    };
    const n = QUICK ? 20_000 : 500_000;
    for (const [name, v] of Object.entries(values)) {
      codecNs(false, v, 10_000);
      codecNs(true, v, 10_000);
      const c = emit('codec', `codec.ts ${name}`, 'ns/op', await repeat(runs, () => codecNs(false, v, n)), 'ns');
      const s = emit('codec', `v8.serialize ${name}`, 'ns/op', await repeat(runs, () => codecNs(true, v, n)), 'ns');
      ratio('codec', `v8 / codec.ts ${name}`, 'speed-up', s, c);
    }
  }

  for (const [P, C, bench] of [
    [1, 1, 'queue.1to1'],
    [4, 4, 'queue.4x4'],
  ]) {
    for (const kind of PAYLOADS) {
      progress(`queue: ${bench}, ${kind}`);
      const n = N[kind];
      // sabkit, MessagePort and (1->1 small) the bare ring take turns round by round, the first
      // round unrecorded, so a change in the machine's load hits them alike; the ratio is the
      // median of the rounds' ratios (each line still carries every round's value).
      const withBare = P === 1 && kind === 'small';
      const sabRuns = [];
      const mpRuns = [];
      const bareRuns = [];
      for (let r = -1; r < runs; r++) {
        const s = await throughput('sab', kind, P, C, n);
        const m = await throughput('mp', kind, P, C, n);
        const b = withBare ? await throughput('bare', kind, 1, 1, n) : 0;
        if (r < 0) continue;
        sabRuns.push(s);
        mpRuns.push(m);
        bareRuns.push(b);
      }
      const sab = emit(bench, 'sabkit Queue', kind, sabRuns, 'msgs/s');
      emit(bench, P === 1 ? 'MessagePort' : 'MessagePort (16 channels, round-robin)', kind, mpRuns, 'msgs/s');
      const perRound = (xs) => sabRuns.map((v, k) => v / xs[k]);
      emit(bench, 'ratio sabkit / MessagePort', kind, perRound(mpRuns), 'x');
      if (withBare) {
        emit(bench, 'bare int32 ring (ceiling)', kind, bareRuns, 'msgs/s');
        emit(bench, 'ratio sabkit / bare ring', kind, perRound(bareRuns), 'x');
      }
      if (py) {
        const rows = runPython(PY_QUEUE, [P, C, PYN[kind], kind, runs, QUICK ? 0 : 1]);
        const pyq = emit(
          bench,
          `Python ${py.version} multiprocessing.Queue`,
          kind,
          rows.map((r) => r.msgs_per_s),
          'msgs/s',
        );
        ratio(bench, 'sabkit / Python', kind, sab, pyq);
      }
    }
  }

  {
    const rounds = QUICK ? 10_000 : 100_000;
    const sab = await repeat(runs, () => pingpong('sab', rounds));
    const mp = await repeat(runs, () => pingpong('mp', QUICK ? 3_000 : 30_000));
    const s50 = emit(
      'pipe.pingpong',
      'sabkit Pipe',
      'p50',
      sab.map((r) => r[0]),
      'µs',
    );
    emit(
      'pipe.pingpong',
      'sabkit Pipe',
      'p99',
      sab.map((r) => r[1]),
      'µs',
    );
    const m50 = emit(
      'pipe.pingpong',
      'MessageChannel',
      'p50',
      mp.map((r) => r[0]),
      'µs',
    );
    emit(
      'pipe.pingpong',
      'MessageChannel',
      'p99',
      mp.map((r) => r[1]),
      'µs',
    );
    ratio('pipe.pingpong', 'MessageChannel / sabkit', 'p50 speed-up', m50, s50);
    if (py) {
      const rows = runPython(PY_PINGPONG, [QUICK ? 3_000 : 30_000, runs]);
      const p50 = emit(
        'pipe.pingpong',
        `Python ${py.version} multiprocessing.Pipe`,
        'p50',
        rows.map((r) => r.p50),
        'µs',
      );
      emit(
        'pipe.pingpong',
        `Python ${py.version} multiprocessing.Pipe`,
        'p99',
        rows.map((r) => r.p99),
        'µs',
      );
      ratio('pipe.pingpong', 'Python / sabkit', 'p50 speed-up', p50, s50);
    }
  }
}

if (!isMainThread) {
  Promise.resolve(ROLES[workerData.role](workerData)).then((r) => parentPort.postMessage(r));
} else {
  await main();
}
