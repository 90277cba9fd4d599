// Python's multiprocessing Pool against sabkit's Pool, in one run.
//   mp.map-100k          Pool.map(square, 100k ints) with the automatic chunksize
//                        (ceil(n / (4 × workers)), as Python's), 2 workers: sabkit against
//                        Python's Pool(2).map (when python3 exists), ms per map
//   mp.apply-roundtrip   one applyAsync(square, [x]).get() after another, µs per call (p50),
//                        against Python's apply_async(f, (x,)).get()
// Ratios are emitted as their own lines (impl "ratio ..."; > 1 means sabkit is faster).
// Needs the built packages: `npx -y pnpm@12.4.2 run build` (or tsc in atomics-sync and piscina).
import { Pool } from '@sabkit/multiprocessing';
import { QUICK, emit, repeat, runsFor, percentile, python, runPython } from '../lib/report.mjs';

const N = 100_000;
const WORKERS = 2;
const RT_CALLS = QUICK ? 2_000 : 10_000;
const square = (x) => x * x;

const PY = `
import json, sys, time
from multiprocessing import Pool

def f(x):
    return x * x

if __name__ == '__main__':
    n, runs, calls, workers = (int(a) for a in sys.argv[1:5])
    with Pool(workers) as p:
        p.map(f, range(1000))
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            r = p.map(f, range(n))
            samples.append((time.perf_counter() - t0) * 1000)
            assert r[-1] == (n - 1) ** 2
        print(json.dumps({"metric": "map", "samples": samples}))
        for _ in range(200):
            p.apply_async(f, (3,)).get()
        lat = []
        for i in range(calls):
            t0 = time.perf_counter()
            p.apply_async(f, (i,)).get()
            lat.append((time.perf_counter() - t0) * 1e6)
        print(json.dumps({"metric": "rt", "samples": lat}))
`;

const items = Array.from({ length: N }, (_, i) => i);
const runs = runsFor(15, 5);

const pool = new Pool(WORKERS);
let mapMs;
let rtP50;
try {
  const samples = await repeat(
    runs,
    async () => {
      const t0 = performance.now();
      const r = await pool.map(square, items);
      const ms = performance.now() - t0;
      if (r.length !== N || r[N - 1] !== (N - 1) ** 2) throw new Error('sabkit Pool.map returned a wrong result');
      return ms;
    },
    2,
  );
  mapMs = emit('mp.map-100k', 'sabkit Pool.map', 'time', samples, 'ms', {
    workers: WORKERS,
    chunksize: Math.ceil(N / (4 * WORKERS)),
  });
  emit(
    'mp.map-100k',
    'sabkit Pool.map',
    'throughput',
    samples.map((ms) => N / (ms / 1000)),
    'items/s',
  );

  for (let i = 0; i < 200; i++) await pool.applyAsync(square, [3]).get();
  const lat = [];
  for (let i = 0; i < RT_CALLS; i++) {
    const t0 = performance.now();
    await pool.applyAsync(square, [i]).get();
    lat.push((performance.now() - t0) * 1000);
  }
  rtP50 = emit('mp.apply-roundtrip', 'sabkit applyAsync().get()', 'p50', [percentile(lat, 50)], 'µs', {
    p99: Number(percentile(lat, 99).toPrecision(4)),
    calls: RT_CALLS,
  });
} finally {
  await pool.terminate();
}

const py = python();
if (py) {
  const out = runPython(PY, [N, runs, RT_CALLS, WORKERS]);
  const map = out.find((r) => r.metric === 'map');
  const rt = out.find((r) => r.metric === 'rt');
  const pyMap = emit('mp.map-100k', `python ${py.version} Pool.map`, 'time', map.samples, 'ms', { workers: WORKERS });
  emit(
    'mp.map-100k',
    `python ${py.version} Pool.map`,
    'throughput',
    map.samples.map((ms) => N / (ms / 1000)),
    'items/s',
  );
  const pyRt = emit(
    'mp.apply-roundtrip',
    `python ${py.version} apply_async().get()`,
    'p50',
    [percentile(rt.samples, 50)],
    'µs',
    { p99: Number(percentile(rt.samples, 99).toPrecision(4)), calls: RT_CALLS },
  );
  emit('mp.map-100k', 'ratio python/sabkit', 'speed-up', [pyMap / mapMs], 'x');
  emit('mp.apply-roundtrip', 'ratio python/sabkit', 'speed-up', [pyRt / rtP50], 'x');
} else {
  process.stderr.write('mp: python3 with multiprocessing not found; Python figures skipped\n');
}
