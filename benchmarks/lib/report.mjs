// Shared helpers for benchmark suites. A suite is a standalone script in suites/ that measures
// sabkit and its peers in the same run and prints one JSON line per figure through `emit`:
//   {"bench","impl","metric","value","unit","runs"}
// where value is the median of `runs` repetitions (the raw values go to the results file).
// The machine is small (2 cores) and noisy: compare ratios between impls of one run, never
// absolute times across runs.
import { spawnSync } from 'node:child_process';

export const QUICK = process.argv.includes('--quick') || process.env.SABKIT_BENCH_QUICK === '1';

const started = performance.now();
/** A progress line on stderr (the JSON figures go to stdout): a long suite says where it is. */
export function progress(section) {
  const s = ((performance.now() - started) / 1000).toFixed(0);
  process.stderr.write(`# ${section} (${s} s into the suite)\n`);
}

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Percentile p (0..100) of a list of numbers, nearest rank. */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/**
 * Prints one figure. `samples` are the per-run values; the line's value is their median.
 * Extra fields (e.g. { note }) are added to the line.
 */
export function emit(bench, impl, metric, samples, unit, extra = {}) {
  const runs = Array.isArray(samples) ? samples : [samples];
  const value = Number(median(runs).toPrecision(6));
  console.log(
    JSON.stringify({
      bench,
      impl,
      metric,
      value,
      unit,
      runs: runs.length,
      samples: runs.map((x) => Number(x.toPrecision(6))),
      ...extra,
    }),
  );
  return value;
}

/** Runs `fn` `runs` times (after `warmup` unmeasured runs) and returns the list of its results. */
export async function repeat(runs, fn, warmup = 1) {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const out = [];
  for (let i = 0; i < runs; i++) out.push(await fn(i));
  return out;
}

/** Number of repetitions: fewer with --quick. */
export function runsFor(full, quick = 3) {
  return QUICK ? quick : full;
}

/** The python3 executable if it exists and has multiprocessing, else undefined. */
export function python() {
  const r = spawnSync('python3', ['-c', 'import multiprocessing, sys; print(sys.version.split()[0])'], {
    encoding: 'utf8',
  });
  return r.status === 0 ? { exe: 'python3', version: r.stdout.trim() } : undefined;
}

/**
 * Runs a Python script (source text) with args and returns the JSON objects it printed, one per
 * line. Used to measure Python's multiprocessing in the same run as the JS impls.
 */
export function runPython(source, args = [], timeoutMs = 300_000) {
  const py = python();
  if (!py) return undefined;
  const r = spawnSync(py.exe, ['-c', source, ...args.map(String)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`python benchmark failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}
