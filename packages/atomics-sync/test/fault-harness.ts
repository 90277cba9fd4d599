// The fault-injection suite's driver (main thread): WORKERS workers operate on one object round
// after round (fixtures/fault-worker.ts); in a seeded fraction of the rounds one of them dies at a
// random point of its operation, by process.exit, an uncaught throw, or terminate() landing at a
// random moment. The dead worker is replaced once the round is over (never terminated while it
// loads). Invariants checked: every round ends (each wait in it is bounded: a deadlock fails the
// round, with the control block in the message), no mutual-exclusion violation, no duplicated
// item, no unexpected timeout; each object's own end-state checks are its caller's.
//
// Sizes: SABKIT_FAULT_ROUNDS (default 1000 per object), SABKIT_FAULT_KILL (fraction of rounds with
// a kill, default 0.02), SABKIT_FAULT_SEED (default 20). scripts/fault-soak.mjs runs more.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { parkAsync } from '../src/runtime/wait.js';
import * as F from './fault-layout.js';
import { mulberry32 } from './prng.js';
import { Worker, delay } from './support.js';

const fixture = new URL('./fixtures/fault-worker.js', import.meta.url);

export const ROUNDS = Number(process.env.SABKIT_FAULT_ROUNDS ?? 1000);
export const KILL_FRACTION = Number(process.env.SABKIT_FAULT_KILL ?? 0.02);
export const SEED = Number(process.env.SABKIT_FAULT_SEED ?? 20);
/** Bound on one round (all its waits are OP_TIMEOUT_MS at most, plus a takeover and a restart). */
const ROUND_LIMIT_MS = 3 * F.OP_TIMEOUT_MS;
/** Bound on each test of the suite, for its `timeout` option. */
export const TEST_LIMIT_MS = 60_000 + ROUNDS * 300;

/** Resolves when `w` exits, however (events.once would reject on its 'error' event). */
const exited = (w: Worker): Promise<number> => new Promise((resolve) => w.once('exit', resolve));

export interface FaultRun {
  kind: string;
  obj: Record<string, unknown>;
  /** Queue item ids seen (one Int32 per id), for the channel kinds. */
  seen?: Int32Array;
  /** After a victim died, before the round must end: stand in for what it would have done. */
  afterKill?(round: number, ctl: Int32Array): Promise<void> | void;
  /** After each round (every worker done), before the next. */
  afterRound?(round: number, ctl: Int32Array): Promise<void> | void;
  /** The object's state, for the message of a round that did not end. */
  state?(): string;
}

export interface FaultResult {
  ctl: Int32Array;
  kills: number;
  byHow: Record<string, number>;
}

function snapshot(ctl: Int32Array): string {
  const names = [
    'round',
    'stop',
    'violations',
    'timeouts',
    'recovered',
    'killSlot',
    'killHow',
    'killAt',
    'done',
    'seq',
  ];
  return names.map((n, i) => `${n}=${Atomics.load(ctl, i)}`).join(' ');
}

export async function runFaults(t: TestContext, run: FaultRun): Promise<FaultResult> {
  const ctl = new Int32Array(new SharedArrayBuffer(F.WORDS * 4));
  Atomics.store(ctl, F.KILL_SLOT, -1);
  const rng = mulberry32(SEED + run.kind.length * 7919);
  const errors: string[] = [];
  const start = async (slot: number, startRound: number): Promise<Worker> => {
    const w = new Worker(fixture, {
      workerData: { kind: run.kind, obj: run.obj, ctl, seen: run.seen, slot, startRound },
    });
    w.on('error', (e) => {
      if (!/injected fault/.test(e.message)) errors.push(`worker ${slot}: ${e.stack ?? e}`);
    });
    w.on('message', (m) => {
      if (m.error) errors.push(`worker ${slot}: ${m.error}`);
    });
    const m = await new Promise<{ ready?: boolean } | undefined>((resolve) => {
      w.once('message', resolve);
      w.once('exit', () => resolve(undefined));
    });
    assert.ok(m?.ready, `worker ${slot} did not start: ${errors.join('\n')}`);
    return w;
  };
  const workers: Worker[] = [];
  for (let k = 0; k < F.WORKERS; k++) workers.push(await start(k, 0));
  const byHow: Record<string, number> = { exit: 0, throw: 0, terminate: 0 };
  let kills = 0;
  let expected = 0;
  const t0 = performance.now();
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      const kill = rng() < KILL_FRACTION;
      const victim = kill ? Math.floor(rng() * F.WORKERS) : -1;
      const how = kill ? 1 + Math.floor(rng() * 3) : F.HOW_NONE;
      Atomics.store(ctl, F.KILL_SLOT, victim);
      Atomics.store(ctl, F.KILL_HOW, how);
      Atomics.store(ctl, F.KILL_AT, Math.floor(rng() * 8));
      const exit = kill ? exited(workers[victim]) : undefined;
      Atomics.store(ctl, F.ROUND, r);
      Atomics.notify(ctl, F.ROUND);
      if (kill) {
        kills++;
        byHow[F.HOW_NAMES[how]]++;
        if (how === F.HOW_TERMINATE) {
          await delay(rng() * 3);
          await workers[victim].terminate();
        }
        await exit;
        await run.afterKill?.(r, ctl);
        expected += F.WORKERS - 1;
      } else {
        expected += F.WORKERS;
      }
      const deadline = performance.now() + ROUND_LIMIT_MS;
      for (let d = Atomics.load(ctl, F.DONE); d < expected; d = Atomics.load(ctl, F.DONE)) {
        assert.ok(
          performance.now() < deadline,
          `${run.kind}: round ${r} did not end (deadlock?): ${snapshot(ctl)} ${run.state?.() ?? ''}`,
        );
        await parkAsync(ctl, F.DONE, d, Math.min(deadline, performance.now() + 100));
      }
      if (kill) workers[victim] = await start(victim, r);
      await run.afterRound?.(r, ctl);
      assert.deepEqual(errors, [], `${run.kind}: a worker failed in round ${r}`);
    }
  } finally {
    Atomics.store(ctl, F.STOP, 1);
    Atomics.notify(ctl, F.ROUND);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  t.diagnostic(
    `${run.kind}: ${ROUNDS} rounds, ${kills} kills (${JSON.stringify(byHow)}), ` +
      `${Atomics.load(ctl, F.RECOVERED)} takeovers, ${Atomics.load(ctl, F.BROKEN)} broken barrier waits, ` +
      `${Math.round(performance.now() - t0)} ms`,
  );
  assert.equal(Atomics.load(ctl, F.VIOLATIONS), 0, `${run.kind}: invariant violations: ${snapshot(ctl)}`);
  assert.equal(Atomics.load(ctl, F.TIMEOUTS), 0, `${run.kind}: bounded waits that ran out: ${snapshot(ctl)}`);
  return { ctl, kills, byHow };
}
