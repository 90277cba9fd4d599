// The adaptive spin policy (dispatch/adaptive-spin.ts), driven by seeded outcome sequences: no
// clocks, no threads. What it pins: a site that keeps failing stops spinning but still probes;
// one successful probe turns it back on at once (the round trip's recovery from the slow state);
// after that a persisting load switches it off again within FAILURES_TO_STOP failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveSpin, FAILURES_TO_STOP, SPIN_PROBE_EVERY } from '../src/dispatch/adaptive-spin.js';
import { mulberry32 } from './prng.js';

/** Runs `waits` waits whose spins succeed as `outcome(i)` says; returns how many spun. */
function drive(s: AdaptiveSpin, waits: number, outcome: (i: number) => boolean): number {
  let spun = 0;
  for (let i = 0; i < waits; i++) {
    if (!s.shouldSpin()) continue;
    spun++;
    s.record(outcome(i));
  }
  return spun;
}

test('adaptive spin: a site whose spins succeed keeps spinning', () => {
  const s = new AdaptiveSpin();
  assert.equal(
    drive(s, 1000, () => true),
    1000,
  );
  assert.equal(s.spinning, true);
});

test('adaptive spin: failures switch it off; it then probes once in SPIN_PROBE_EVERY waits', () => {
  const s = new AdaptiveSpin();
  let n = 0;
  while (s.spinning) {
    assert.equal(s.shouldSpin(), true);
    s.record(false);
    n++;
    assert.ok(n < 100, 'never switched off');
  }
  assert.equal(n, 6, 'from a fresh site (rate 1), six failures in a row');
  const spun = drive(s, 8000, () => false);
  assert.equal(spun, 8000 / SPIN_PROBE_EVERY);
  assert.equal(s.spinning, false);
});

test('adaptive spin: one successful probe turns the site back on at once', () => {
  const s = new AdaptiveSpin();
  drive(s, 400, () => false);
  assert.equal(s.spinning, false);
  // The next probe succeeds: every later wait spins again (the load is gone).
  let probes = 0;
  while (!s.shouldSpin()) probes++;
  assert.ok(probes < SPIN_PROBE_EVERY);
  s.record(true);
  assert.equal(s.spinning, true);
  assert.equal(
    drive(s, 100, () => true),
    100,
  );
});

test('adaptive spin: after a resumed probe, FAILURES_TO_STOP failures switch it off again', () => {
  const s = new AdaptiveSpin();
  drive(s, 400, () => false);
  while (!s.shouldSpin());
  s.record(true);
  for (let i = 1; i < FAILURES_TO_STOP; i++) {
    s.record(false);
    assert.equal(s.spinning, true, `still on after ${i} failures`);
  }
  s.record(false);
  assert.equal(s.spinning, false);
});

test('adaptive spin: under a persisting load most waits park (seeded success rates)', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const rnd = mulberry32(seed);
    for (const p of [0, 0.05, 0.1, 0.2]) {
      const s = new AdaptiveSpin();
      const waits = 20_000;
      const spun = drive(s, waits, () => rnd() < p);
      // Each success costs at most FAILURES_TO_STOP further spins, each probe one: the spun share
      // stays far below "always" (the old fixed spin); the bound is loose on purpose.
      const bound = waits / SPIN_PROBE_EVERY + p * waits * (FAILURES_TO_STOP + 1) + 10;
      assert.ok(spun <= bound, `seed ${seed}, p ${p}: spun ${spun} > ${bound}`);
    }
  }
});

test('adaptive spin: a short burst of failures in a good run does not switch it off', () => {
  const s = new AdaptiveSpin();
  drive(s, 100, () => true);
  drive(s, 3, () => false);
  assert.equal(s.spinning, true);
  // And a transient load (a preempted peer for 40 waits) is forgotten within a probe interval.
  drive(s, 40, () => false);
  assert.equal(s.spinning, false);
  drive(s, SPIN_PROBE_EVERY, () => true);
  assert.equal(s.spinning, true);
});
