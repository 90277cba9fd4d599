#!/usr/bin/env node
// Runs every suite in suites/ (or those named on the command line), each in its own process so
// one suite's threads and heap do not disturb the next, collects their JSON lines, prints them and
// a readable table, and writes everything to results/<timestamp>.jsonl and results/latest.jsonl.
// A run of every suite (none named) also writes docs/benchmarks/ (Markdown table and SVG charts,
// lib/charts.mjs), which the README links; the page says whether the run was --quick.
//   node run.mjs [--quick] [suite-name ...]
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { writeCharts } from './lib/charts.mjs';

const here = import.meta.dirname ?? new URL('.', import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const wanted = args.filter((a) => !a.startsWith('--'));
const suites = readdirSync(join(here, 'suites'))
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

const lines = [];
for (const suite of suites) {
  process.stderr.write(`\n# suite ${suite}${quick ? ' (quick)' : ''}\n`);
  const child = spawn(process.execPath, ['--expose-gc', join(here, 'suites', suite), ...(quick ? ['--quick'] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.startsWith('{')) {
        process.stderr.write(`${line}\n`);
        continue;
      }
      try {
        const rec = JSON.parse(line);
        lines.push(rec);
        const { samples, ...shown } = rec;
        console.log(JSON.stringify(shown));
      } catch {
        process.stderr.write(`${line}\n`);
      }
    }
  });
  const code = await new Promise((res) => child.on('exit', res));
  if (code !== 0) process.stderr.write(`# suite ${suite} exited with ${code}\n`);
}

// Table: one row per (bench, metric), one column per impl.
const table = new Map();
for (const r of lines) {
  const key = `${r.bench} | ${r.metric} (${r.unit})`;
  if (!table.has(key)) table.set(key, {});
  table.get(key)[r.impl] = r.value;
}
process.stderr.write('\n');
for (const [key, impls] of table) {
  process.stderr.write(`${key}\n`);
  for (const [impl, v] of Object.entries(impls)) process.stderr.write(`    ${impl.padEnd(28)} ${v}\n`);
}
const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
const body = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
writeFileSync(join(outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`), body);
writeFileSync(join(outDir, 'latest.jsonl'), body);
process.stderr.write(`\n${lines.length} figures written to ${join(outDir, 'latest.jsonl')}\n`);
if (wanted.length === 0) {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
  const page = writeCharts(lines, { uptime: `load average ${load}`, quick });
  process.stderr.write(`tables and charts written to ${page}\n`);
}
