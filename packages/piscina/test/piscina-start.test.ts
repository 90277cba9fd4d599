// Starting workers (engine/start-pacer.ts): a pool in backgroundStart mode (modes.ts; what
// multiprocessing's Pool uses) starts its workers across turns of the event loop, never more than
// MAX_BOOTING booting at once; a Piscina's constructor starts minThreads at once, and run() starts
// a worker at once in a small pool, as piscina's do (piscina's own suite checks those too:
// packages/piscina-compat). No timing assertions: what is checked is which turn a worker starts
// in, which tasks run, and what destroy() leaves behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Piscina } from '../src/index.js';
import { setPoolMode } from '../src/internal.js';
import { MAX_BOOTING, STARTS_PER_TURN } from '../src/engine/start-pacer.js';

const start = new URL('./fixtures/start.js', import.meta.url);
// More workers than may boot at once, whatever the machine.
const BIG = MAX_BOOTING + 8;
const paced = (options: object) => setPoolMode(options, { backgroundStart: true });

test('a big pool returns from its constructor and lets the event loop turn before all its workers exist', {
  timeout: 120_000,
}, async () => {
  const pool = new Piscina(paced({ filename: start, minThreads: BIG, maxThreads: BIG }));
  try {
    const atConstruction = pool.threads.length;
    assert.ok(atConstruction >= STARTS_PER_TURN, `${atConstruction} workers started by the constructor`);
    assert.ok(atConstruction <= MAX_BOOTING, `${atConstruction} workers booting at once`);
    const nextTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(pool.threads.length)));
    assert.ok(nextTurn < BIG, `all ${BIG} workers were started before the event loop turned`);
    // Every worker is started in the end: BIG tasks that wait for each other all complete, each on
    // its own worker (the tasks given to the first workers are taken back by the later ones).
    const count = new Int32Array(new SharedArrayBuffer(4));
    const ids = await Promise.all(
      Array.from({ length: BIG }, () => pool.run({ count, parties: BIG }, { name: 'meet' })),
    );
    assert.equal(new Set(ids).size, BIG);
    assert.equal(pool.threads.length, BIG);
  } finally {
    await pool.destroy();
  }
});

test("a Piscina's constructor starts minThreads workers at once, as piscina's does", { timeout: 60_000 }, async () => {
  const pool = new Piscina({ filename: start, minThreads: BIG, maxThreads: BIG });
  try {
    assert.equal(pool.threads.length, BIG);
    assert.equal(await pool.run(1), 2);
  } finally {
    await pool.destroy();
  }
});

test('run() on a small pool starts its worker at once, as piscina does', { timeout: 30_000 }, async () => {
  const pool = new Piscina({ filename: start, minThreads: 2, maxThreads: STARTS_PER_TURN });
  try {
    assert.equal(pool.threads.length, 2);
    const runs = Array.from({ length: STARTS_PER_TURN }, (_, i) => pool.run(i));
    assert.equal(pool.threads.length, STARTS_PER_TURN);
    assert.deepEqual(await Promise.all(runs), [1, 2, 3, 4].slice(0, STARTS_PER_TURN));
  } finally {
    await pool.destroy();
  }
});

test('destroy() while a big pool is still starting stops every worker and starts no more', {
  timeout: 60_000,
}, async () => {
  for (const stop of ['destroy', 'close'] as const) {
    const pool = new Piscina(paced({ filename: start, minThreads: BIG, maxThreads: BIG }));
    let created = 0;
    let destroyed = 0;
    pool.on('workerCreate', () => created++);
    pool.on('workerDestroy', () => destroyed++);
    await pool[stop]();
    const startedByThen = created;
    // Turns in which the pool would have started more workers had it not stopped.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(startedByThen < BIG, `${stop}: all ${BIG} workers were started first`);
    assert.equal(created, startedByThen, `${stop}: workers were started after it`);
    assert.equal(destroyed, created, `${stop}: every started worker was stopped`);
    assert.equal(pool.threads.length, 0);
  }
});

test('tasks submitted while a big pool starts all run, once each, and the pool grows to its size', {
  timeout: 120_000,
}, async () => {
  const pool = new Piscina({ filename: start, minThreads: 1, maxThreads: BIG });
  try {
    // One turn: the first STARTS_PER_TURN workers start now, the rest at later turns.
    const results = await Promise.all(Array.from({ length: 400 }, (_, i) => pool.run(i)));
    assert.deepEqual(
      results,
      Array.from({ length: 400 }, (_, i) => i + 1),
    );
    const count = new Int32Array(new SharedArrayBuffer(4));
    const ids = await Promise.all(
      Array.from({ length: BIG }, () => pool.run({ count, parties: BIG }, { name: 'meet' })),
    );
    assert.equal(new Set(ids).size, BIG);
  } finally {
    await pool.destroy();
  }
});
