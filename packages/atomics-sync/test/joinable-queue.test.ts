// JoinableQueue: join() waits for every taskDone(), taskDone() past the count is refused, failed
// puts leave no unfinished task, join with a timeout, join in a worker, revive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Full, InvalidArgumentError, JoinableQueue, Queue, ReviveError, TaskDoneError, revive } from '../src/index.js';
import { messageWith, startWatched } from './support.js';
import * as S from '../src/index.js';
import { TIMEOUT_CASES, asTimeout, label, pythonRule, stillWaiting } from './timeout-table.js';

const fixture = new URL('./fixtures/queue-worker.js', import.meta.url);

const start = (data: Record<string, unknown>) => startWatched(fixture, data);
const message = messageWith;

test('join waits until every item put has been taskDone()d by worker consumers', { timeout: 30_000 }, async () => {
  const q = new JoinableQueue<number>({ capacityBytes: 1024 });
  const N = 2000;
  const consumers = [0, 1].map(() => start({ role: 'joinable-consume', q, count: N / 2 }));
  const done = Promise.all(consumers.map((w) => message(w, 'done')));
  try {
    for (let i = 0; i < N; i++) await q.putAsync(i);
    assert.equal(await q.joinAsync(), true);
    assert.equal(q.unfinishedTasks, 0);
    assert.equal(q.qsize(), 0);
    await done;
    assert.equal(q.join(0), true, 'join of a queue with no unfinished task returns at once');
  } finally {
    await Promise.all(consumers.map((w) => w.terminate()));
  }
});

test('join in a worker (sync) wakes when the last taskDone() lands', { timeout: 30_000 }, async () => {
  const q = new JoinableQueue<string>();
  q.put('a');
  q.put('b');
  const joiner = start({ role: 'join', q });
  const joined = message(joiner, 'joined');
  try {
    await message(joiner, 'started');
    assert.equal(q.get(), 'a');
    q.taskDone();
    await new Promise((r) => setTimeout(r, 30)); // the joiner is parked: one task is still open
    assert.equal(q.get(), 'b');
    q.taskDone();
    assert.equal((await joined).joined, true);
  } finally {
    await joiner.terminate();
  }
});

test('join with a timeout returns false while tasks are unfinished; taskDone past the count throws TaskDoneError', {
  timeout: 30_000,
}, async () => {
  const q = new JoinableQueue<number>();
  assert.throws(
    () => q.taskDone(),
    (e: unknown) =>
      e instanceof TaskDoneError &&
      e.code === 'ERR_SABKIT_TASK_DONE' &&
      /more times than items were put/.test((e as Error).message),
  );
  q.put(1);
  const t0 = performance.now();
  assert.equal(q.join(30), false);
  assert.ok(performance.now() - t0 >= 29);
  assert.equal(await q.joinAsync({ timeout: 10 }), false);
  q.get();
  q.taskDone();
  assert.throws(() => q.taskDone(), TaskDoneError);
  assert.equal(q.unfinishedTasks, 0, 'the refused taskDone changed nothing');
  q.put(2);
  q.get();
  q.taskDone();
  assert.equal(q.join(), true);
  const ac = new AbortController();
  q.put(3);
  const pending = q.joinAsync({ signal: ac.signal });
  ac.abort(new Error('gave up'));
  await assert.rejects(pending, /gave up/);
});

test('a put that fails (Full, bad item, bad timeout) leaves no unfinished task behind', {
  timeout: 10_000,
}, async () => {
  const q = new JoinableQueue<unknown>({ maxsize: 1 });
  q.put('x');
  assert.throws(() => q.put('y', 0), Full);
  assert.throws(() => q.putNowait('y'), Full);
  await assert.rejects(q.putAsync('y', { timeout: 5 }), Full);
  assert.throws(() => q.put(() => 0), InvalidArgumentError);
  assert.throws(() => q.put('y', NaN), InvalidArgumentError);
  await assert.rejects(q.putAsync('y', { timeout: NaN }), InvalidArgumentError);
  assert.equal(q.unfinishedTasks, 1);
  q.get();
  q.taskDone();
  assert.equal(q.join(0), true);
});

test('revive: JoinableQueue.from and revive keep the unfinished count; kinds are not mixed up', {
  timeout: 10_000,
}, () => {
  const q = new JoinableQueue<number>();
  q.put(1);
  const clone = structuredClone(q);
  const q2 = JoinableQueue.from<number>(clone);
  assert.ok(q2 instanceof Queue);
  assert.equal(q2.unfinishedTasks, 1);
  assert.ok(revive(clone) instanceof JoinableQueue);
  assert.equal(q2.get(), 1);
  q2.taskDone();
  assert.equal(q.join(0), true);
  assert.throws(() => Queue.from(clone), ReviveError);
  assert.throws(() => JoinableQueue.from(structuredClone(new Queue())), ReviveError);
});

test('timeout table: JoinableQueue.join / joinAsync (negative: false at once if tasks are unfinished)', {
  timeout: 20_000,
}, async () => {
  for (const t of TIMEOUT_CASES) {
    const q = new JoinableQueue<string>();
    q.put('task');
    const timeout = asTimeout(t);
    const name = `JoinableQueue.join(${label(t)})`;
    switch (pythonRule(t)) {
      case 'now':
        assert.equal(q.join(timeout), false, name);
        assert.equal(await q.joinAsync(timeout), false, name);
        assert.equal(await q.joinAsync({ timeout }), false, name);
        q.get();
        q.taskDone();
        assert.equal(q.join(timeout), true, `${name} with nothing unfinished`);
        break;
      case 'invalid':
        assert.throws(() => q.join(timeout), S.InvalidArgumentError, name);
        await assert.rejects(q.joinAsync({ timeout }), S.InvalidArgumentError, name);
        break;
      case 'forever':
        assert.equal(
          await stillWaiting(
            q.joinAsync(timeout),
            () => {
              q.get();
              q.taskDone();
            },
            name,
          ),
          true,
          name,
        );
        assert.equal(q.join(timeout), true, name);
        break;
    }
  }
});
