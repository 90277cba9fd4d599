#!/usr/bin/env node
// Fault-injection soak (issue 20; not part of CI): the same suites as CI's
// (packages/atomics-sync/test/fault-*.test.ts, packages/piscina/test/piscina-faults.test.ts), with
// more rounds, a larger share of kills and several seeds. CI runs 1,000 rounds per object at 2%.
//
//   node scripts/fault-soak.mjs [--rounds 20000] [--kill 0.05] [--seeds 3] [--seed 1]
//
// Compile the tests first (in each package: npx tsc -p tsconfig.test.json). Exits non-zero on the
// first failing seed, printing the seed so that the run can be replayed with SABKIT_FAULT_SEED.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', 20_000));
const kill = Number(arg('kill', 0.05));
const seeds = Number(arg('seeds', 3));
const first = Number(arg('seed', 1));
const files = [
  'packages/atomics-sync/.test-build/test/fault-sync.test.js',
  'packages/atomics-sync/.test-build/test/fault-channels.test.js',
  'packages/piscina/.test-build/test/piscina-faults.test.js',
].map((f) => root + f);
for (const f of files) {
  if (!existsSync(f)) {
    console.error(`fault-soak: ${f} is missing: compile the tests first (npx tsc -p tsconfig.test.json)`);
    process.exit(2);
  }
}
for (let seed = first; seed < first + seeds; seed++) {
  console.log(`fault-soak: seed ${seed}, ${rounds} rounds per object, ${kill * 100}% of rounds with a kill`);
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
    stdio: 'inherit',
    env: {
      ...process.env,
      SABKIT_FAULT_ROUNDS: String(rounds),
      SABKIT_FAULT_KILL: String(kill),
      SABKIT_FAULT_SEED: String(seed),
    },
  });
  if (r.status !== 0) {
    console.error(`fault-soak: seed ${seed} failed (replay: SABKIT_FAULT_SEED=${seed} SABKIT_FAULT_ROUNDS=${rounds})`);
    process.exit(1);
  }
}
console.log('fault-soak: every seed passed');
