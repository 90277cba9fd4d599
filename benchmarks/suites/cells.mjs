// Typed cells: what a Value costs over the bare typed array it wraps, in one run.
//   cells.atomic-add      Value.add(1) against Atomics.add on an Int32Array (also i64 and the f64
//                         CAS-loop add), one thread, ns/op
//   cells.get-set         value get/set (locked Value, RawValue) against typed-array access, ns/op
//   cells.contended-add   2 threads: Value.add against raw Atomics.add on one shared word (and
//                         raw Atomics.add with a little work between adds), ops/s
//   cells.locked-inc      2 threads: `with v.get_lock(): v.value += 1`, sabkit's Value against
//                         Python's multiprocessing.Value (2 processes, when python3 exists), ops/s
// Ratios are emitted as their own lines (impl "ratio ...").
// Needs atomics-sync's dist: `cd packages/atomics-sync && npx tsc -p tsconfig.json`.
import { loadavg } from 'node:os';
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { Value, RawValue } from '@sabkit/atomics-sync';
import { QUICK, emit, repeat, runsFor, python, runPython } from '../lib/report.mjs';

/**
 * Iterations each worker runs before the timed part, both workers at once, so that the timed loop
 * runs optimised code for the contended case too. 1,000 was too few: TurboFan had not compiled the
 * locked increment yet, and a --quick run (100k iterations per thread) timed the interpreter and
 * the compile (measured: median 0.9-2.4M ops/s with 1,000, 3.5-6.3M with 20,000, same code,
 * interleaved runs). 20,000 warmed each worker alone, so the lock's slow paths (taken only when
 * the two threads collide) were first compiled inside the timed part, which was ~20 ms long: runs
 * of one build measured 5-10M ops/s at random, and 10-14M once each thread ran 2M iterations.
 * Python runs at its steady speed from the first iteration.
 */
const WARM = 200_000;

// One function per measured loop, so each call site stays monomorphic.
const LOOPS = {
  rawAdd(i32, n) {
    for (let i = 0; i < n; i++) Atomics.add(i32, 0, 1);
  },
  // Raw Atomics.add with a few ns of register work between adds, about what Value.add adds.
  rawAddSpaced(i32, n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 8; k++) s = (s * 31 + k) | 0;
      Atomics.add(i32, 0, 1);
    }
    return s;
  },
  valueAdd(v, n) {
    for (let i = 0; i < n; i++) v.add(1);
  },
  rawAdd64(i64, n) {
    for (let i = 0; i < n; i++) Atomics.add(i64, 0, 1n);
  },
  valueAdd64(v, n) {
    for (let i = 0; i < n; i++) v.add(1n);
  },
  plainFloatAdd(f64, n) {
    for (let i = 0; i < n; i++) f64[0] += 1;
  },
  // The least an atomic f64 add can be in JS: a CAS loop on a BigInt64Array alias (what Value does).
  casFloatAdd(bits, n) {
    const sf = new Float64Array(1);
    const sb = new BigInt64Array(sf.buffer);
    for (let i = 0; i < n; i++) {
      for (;;) {
        const old = Atomics.load(bits, 0);
        sb[0] = old;
        sf[0] += 1;
        if (Atomics.compareExchange(bits, 0, old, sb[0]) === old) break;
      }
    }
  },
  valueFloatAdd(v, n) {
    for (let i = 0; i < n; i++) v.add(1);
  },
  arrayGet(a, n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[0];
    return s;
  },
  atomicsLoad(a, n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Atomics.load(a, 0);
    return s;
  },
  rawValueGet(v, n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += v.value;
    return s;
  },
  valueGet(v, n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += v.value;
    return s;
  },
  arraySet(a, n) {
    for (let i = 0; i < n; i++) a[0] = i;
  },
  atomicsStore(a, n) {
    for (let i = 0; i < n; i++) Atomics.store(a, 0, i);
  },
  rawValueSet(v, n) {
    for (let i = 0; i < n; i++) v.value = i;
  },
  valueSet(v, n) {
    for (let i = 0; i < n; i++) v.value = i;
  },
  lockedInc(v, n) {
    const lock = v.getLock();
    for (let i = 0; i < n; i++)
      lock.withLock(() => {
        v.value += 1;
      });
  },
  withLockInc(v, n) {
    for (let i = 0; i < n; i++)
      v.withLock((obj) => {
        obj.value += 1;
      });
  },
};

const PY_LOCKED_INC = `
import json, multiprocessing as mp, sys, time
def work(v, ev, n):
    ev.wait()
    for _ in range(n):
        with v.get_lock():
            v.value += 1
if __name__ == '__main__':
    n, runs, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ctx = mp.get_context('fork')
    for _ in range(runs if mode == 'contended' else 0):
        v = ctx.Value('i', 0)
        ev = ctx.Event()
        ps = [ctx.Process(target=work, args=(v, ev, n)) for _ in range(2)]
        for p in ps: p.start()
        time.sleep(0.05)
        t0 = time.perf_counter()
        ev.set()
        for p in ps: p.join()
        dt = time.perf_counter() - t0
        assert v.value == 2 * n, v.value
        print(json.dumps({"metric": "contended", "ops_per_s": 2 * n / dt}))
    # One process, uncontended: the cost of one locked increment.
    v = ctx.Value('i', 0)
    m = n * 2
    for _ in range(runs if mode == 'uncontended' else 0):
        t0 = time.perf_counter()
        for _ in range(m):
            with v.get_lock():
                v.value += 1
        print(json.dumps({"metric": "uncontended", "ns_per_op": (time.perf_counter() - t0) * 1e9 / m}))
`;

if (!isMainThread) {
  const { loop, target, start, iters } = workerData;
  const t = loop.startsWith('rawAdd') ? new Int32Array(target) : Value.from(target);
  const s = new Int32Array(start);
  // s[0]: the main thread's phase (1: warm, 2: timed); s[1], s[2]: workers ready, warmed.
  Atomics.add(s, 1, 1);
  while (Atomics.load(s, 0) < 1) Atomics.wait(s, 0, 0);
  LOOPS[loop](t, WARM); // warm the JIT on this loop, contended as in the timed part; the check counts these
  Atomics.add(s, 2, 1);
  while (Atomics.load(s, 0) < 2) Atomics.wait(s, 0, 1);
  LOOPS[loop](t, iters);
  parentPort.postMessage('done');
} else {
  await main();
}

/** ns per iteration of LOOPS[loop] on `target`, after a warm-up of the same loop. */
function nsPerOp(loop, target, n) {
  LOOPS[loop](target, n);
  const t0 = performance.now();
  const sink = LOOPS[loop](target, n);
  const ns = ((performance.now() - t0) * 1e6) / n;
  if (sink === -1) console.error('unreachable'); // keeps the reads' sum alive
  return ns;
}

/** 2 workers run LOOPS[loop] `iters` times each on one shared target; returns ops/s. */
async function twoThreads(loop, target, iters, check) {
  const start = new Int32Array(new SharedArrayBuffer(12));
  const ws = [0, 1].map(
    () => new Worker(new URL(import.meta.url), { workerData: { loop, target, start: start.buffer, iters } }),
  );
  try {
    const done = ws.map(
      (w) =>
        new Promise((res, rej) => {
          w.once('message', res);
          w.once('error', rej);
        }),
    );
    while (Atomics.load(start, 1) < 2) await new Promise((r) => setTimeout(r, 1));
    Atomics.store(start, 0, 1);
    Atomics.notify(start, 0);
    while (Atomics.load(start, 2) < 2) await new Promise((r) => setTimeout(r, 1));
    const t0 = performance.now();
    Atomics.store(start, 0, 2);
    Atomics.notify(start, 0);
    await Promise.all(done);
    const ms = performance.now() - t0;
    check(2 * iters + 2 * WARM);
    return (2 * iters) / (ms / 1000);
  } finally {
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

async function main() {
  const runs = runsFor(9, 3);
  const n = QUICK ? 2_000_000 : 10_000_000;
  const ratio = (bench, name, a, b, metric = 'ratio') => emit(bench, `ratio ${name}`, metric, [a / b], 'x');

  // Atomic add, one thread.
  {
    const bench = 'cells.atomic-add';
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    const v = new Value('i', 0);
    const raw = emit(
      bench,
      'Atomics.add Int32Array',
      'ns/op',
      await repeat(runs, () => nsPerOp('rawAdd', i32, n)),
      'ns',
    );
    const val = emit(bench, 'Value(i).add', 'ns/op', await repeat(runs, () => nsPerOp('valueAdd', v, n)), 'ns');
    ratio(bench, 'Value(i).add / Atomics.add', val, raw);
    const i64 = new BigInt64Array(new SharedArrayBuffer(8));
    const v64 = new Value('q', 0n);
    const raw64 = emit(
      bench,
      'Atomics.add BigInt64Array',
      'ns/op',
      await repeat(runs, () => nsPerOp('rawAdd64', i64, n)),
      'ns',
    );
    const val64 = emit(bench, 'Value(q).add', 'ns/op', await repeat(runs, () => nsPerOp('valueAdd64', v64, n)), 'ns');
    ratio(bench, 'Value(q).add / Atomics.add i64', val64, raw64);
    const f64 = new Float64Array(new SharedArrayBuffer(8));
    const vd = new Value('d', 0);
    const plain = emit(
      bench,
      'Float64Array += (not atomic)',
      'ns/op',
      await repeat(runs, () => nsPerOp('plainFloatAdd', f64, n)),
      'ns',
    );
    const bits = new BigInt64Array(new SharedArrayBuffer(8));
    const cas = emit(
      bench,
      'hand-written f64 CAS loop',
      'ns/op',
      await repeat(runs, () => nsPerOp('casFloatAdd', bits, n)),
      'ns',
    );
    const fadd = emit(
      bench,
      'Value(d).add (CAS loop)',
      'ns/op',
      await repeat(runs, () => nsPerOp('valueFloatAdd', vd, n)),
      'ns',
    );
    ratio(bench, 'Value(d).add / hand-written CAS', fadd, cas);
    ratio(bench, 'Value(d).add / plain f64 += (not atomic)', fadd, plain);
  }

  // Plain value get/set against typed-array access, one thread.
  {
    const bench = 'cells.get-set';
    const ta = new Int32Array(new SharedArrayBuffer(4));
    const rv = new RawValue('i', 0);
    const v = new Value('i', 0);
    const m = QUICK ? n / 4 : n / 2;
    const get = emit(bench, 'Int32Array[0] read', 'ns/op', await repeat(runs, () => nsPerOp('arrayGet', ta, m)), 'ns');
    const load = emit(bench, 'Atomics.load', 'ns/op', await repeat(runs, () => nsPerOp('atomicsLoad', ta, m)), 'ns');
    const rget = emit(
      bench,
      'RawValue.value get',
      'ns/op',
      await repeat(runs, () => nsPerOp('rawValueGet', rv, m)),
      'ns',
    );
    const vget = emit(
      bench,
      'Value.value get (locked)',
      'ns/op',
      await repeat(runs, () => nsPerOp('valueGet', v, m)),
      'ns',
    );
    ratio(bench, 'RawValue get / Atomics.load', rget, load);
    ratio(bench, 'RawValue get / Int32Array read', rget, get);
    ratio(bench, 'Value get (locked) / Atomics.load', vget, load);
    const set = emit(bench, 'Int32Array[0] write', 'ns/op', await repeat(runs, () => nsPerOp('arraySet', ta, m)), 'ns');
    const store = emit(bench, 'Atomics.store', 'ns/op', await repeat(runs, () => nsPerOp('atomicsStore', ta, m)), 'ns');
    const rset = emit(
      bench,
      'RawValue.value set',
      'ns/op',
      await repeat(runs, () => nsPerOp('rawValueSet', rv, m)),
      'ns',
    );
    const vset = emit(
      bench,
      'Value.value set (locked)',
      'ns/op',
      await repeat(runs, () => nsPerOp('valueSet', v, m)),
      'ns',
    );
    ratio(bench, 'RawValue set / Atomics.store', rset, store);
    ratio(bench, 'RawValue set / Int32Array write', rset, set);
    ratio(bench, 'Value set (locked) / Atomics.store', vset, store);
  }

  // Contended atomic add, 2 threads on one word.
  {
    const bench = 'cells.contended-add';
    const iters = QUICK ? 1_000_000 : 5_000_000;
    const rawSab = new SharedArrayBuffer(4);
    const raw = emit(
      bench,
      'Atomics.add Int32Array',
      'ops/s',
      await repeat(runs, async () => {
        const c = new Int32Array(rawSab);
        c[0] = 0;
        return twoThreads('rawAdd', rawSab, iters, (want) => {
          if (c[0] !== want) throw new Error(`raw add lost updates: ${c[0]} != ${want}`);
        });
      }),
      'ops/s',
    );
    const val = emit(
      bench,
      'Value(i).add',
      'ops/s',
      await repeat(runs, async () => {
        const v = new Value('i', 0);
        return twoThreads('valueAdd', v, iters, (want) => {
          if (v.value !== want) throw new Error(`Value.add lost updates: ${v.value} != ${want}`);
        });
      }),
      'ops/s',
    );
    // A tight raw loop keeps the cache line on one core for many adds in a row; any work between
    // adds (Value's checks, or 8 register ops here) makes the line move on almost every add.
    const spacedSab = new SharedArrayBuffer(4);
    const spaced = emit(
      bench,
      'Atomics.add + 8 ALU ops between',
      'ops/s',
      await repeat(runs, async () => {
        const c = new Int32Array(spacedSab);
        c[0] = 0;
        return twoThreads('rawAddSpaced', spacedSab, iters, (want) => {
          if (c[0] !== want) throw new Error(`lost updates: ${c[0]} != ${want}`);
        });
      }),
      'ops/s',
    );
    ratio(bench, 'Value(i).add / Atomics.add', val, raw, 'throughput ratio');
    ratio(bench, 'Value(i).add / spaced Atomics.add', val, spaced, 'throughput ratio');
  }

  // Locked increments, 2 threads, against Python's multiprocessing.Value.
  {
    const bench = 'cells.locked-inc';
    const iters = QUICK ? 1_000_000 : 2_000_000;
    const pyIters = QUICK ? 20_000 : 100_000;
    const check = (v) => (want) => {
      if (v.value !== want) throw new Error(`locked increments lost: ${v.value} != ${want}`);
    };
    const py = python();
    if (!py) console.error('# cells.locked-inc: python3 not found, Python reference skipped');
    // sabkit and Python take turns, round by round (the first round unrecorded), so both see the
    // same machine load: Python's contended rate rises with load (its two processes stop running at
    // once, so they stop contending: 0.38M ops/s quiet, up to 1.1M here), sabkit's falls with it.
    // Each ratio is one round's; the 1-minute load average of each round goes with the figures.
    const sab = [];
    const scoped = [];
    const pyOps = [];
    const ratios = [];
    const load1 = [];
    for (let r = -1; r < runs; r++) {
      const load = loadavg()[0];
      const v = new Value('i', 0);
      const a = await twoThreads('lockedInc', v, iters, check(v));
      const p = py ? runPython(PY_LOCKED_INC, [pyIters, 1, 'contended'])[0].ops_per_s : Number.NaN;
      const w = new Value('i', 0);
      const b = await twoThreads('withLockInc', w, iters, check(w));
      if (r < 0) continue;
      sab.push(a);
      scoped.push(b);
      pyOps.push(p);
      ratios.push(a / p);
      load1.push(Number(load.toFixed(2)));
    }
    emit(bench, 'sabkit getLock().withLock(v.value += 1)', 'ops/s', sab, 'ops/s', { load1 });
    emit(bench, 'sabkit v.withLock(obj.value += 1)', 'ops/s', scoped, 'ops/s', { load1 });
    const v = new Value('i', 0);
    const one = emit(
      bench,
      'sabkit getLock().withLock(v.value += 1)',
      'ns/op uncontended',
      await repeat(runs, () => nsPerOp('lockedInc', v, iters)),
      'ns',
    );
    if (!py) return;
    emit(bench, `python ${py.version} Value.get_lock()`, 'ops/s', pyOps, 'ops/s', { load1 });
    const pyNs = emit(
      bench,
      `python ${py.version} Value.get_lock()`,
      'ns/op uncontended',
      runPython(PY_LOCKED_INC, [pyIters, runs, 'uncontended']).map((r) => r.ns_per_op),
      'ns',
    );
    emit(bench, 'ratio sabkit getLock() / python', 'throughput ratio', ratios, 'x', { load1 });
    emit(
      bench,
      'ratio sabkit withLock / python',
      'throughput ratio',
      scoped.map((b, k) => b / pyOps[k]),
      'x',
      { load1 },
    );
    ratio(bench, 'python / sabkit (uncontended ns)', pyNs, one, 'speedup');
  }
}
