// What a task runs (engine/task.ts TaskSpec): run() calls without options share one spec per pool,
// calls with options and moved values get their own. Sharing must never leak one call's options
// into another's: a seeded mix of defaults, `name`, `filename`, `signal`, `timeout` and move()
// (whose transfer list is per task) is queued behind a blocked worker, and each task is checked as
// a custom queue sees it (filename, name, isAbortable, taskId in submission order) and by its
// result (the function that ran on the value it was given). A moved buffer is gone from this
// thread once its task was handed over; the default tasks around it still clone theirs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { Value } from '@sabkit/atomics-sync';
import { fileURLToPath } from 'node:url';
import { Piscina, move, type Task, type TaskQueue } from '../src/index.js';
import { mulberry32 } from './prng.js';

const tasks = new URL('./fixtures/tasks.js', import.meta.url);
const tasksPath = fileURLToPath(tasks);

interface Seen {
  taskId: number;
  filename: string;
  name: string;
  isAbortable: boolean;
}

class RecordingQueue implements TaskQueue {
  readonly items: Task[] = [];
  readonly seen: Seen[] = [];
  get size(): number {
    return this.items.length;
  }
  push(task: Task): void {
    const t = task as unknown as Seen;
    this.seen.push({ taskId: t.taskId, filename: t.filename, name: t.name, isAbortable: t.isAbortable });
    this.items.push(task);
  }
  shift(): Task | null {
    return this.items.shift() ?? null;
  }
  remove(task: Task): void {
    const i = this.items.indexOf(task);
    if (i >= 0) this.items.splice(i, 1);
  }
}

type Kind = 'default' | 'name' | 'filename' | 'signal' | 'timeout' | 'move';
const KINDS: Kind[] = ['default', 'name', 'filename', 'signal', 'timeout', 'move'];

test('tasks with and without options, and moved values, each keep their own spec (seeded)', {
  timeout: 60_000,
}, async () => {
  const queue = new RecordingQueue();
  const pool = new Piscina({ filename: tasks, minThreads: 1, maxThreads: 1, taskQueue: queue });
  const rand = mulberry32(1313);
  try {
    for (let round = 0; round < 4; round++) {
      queue.seen.length = 0;
      const started = new Value('i32', 0);
      const head = pool.run({ ms: 30, started }, { name: 'sleepStarted' });
      head.catch(() => {});
      while (started.value === 0) await new Promise((r) => setTimeout(r, 2));
      const kinds: Kind[] = [];
      const runs: Promise<unknown>[] = [];
      const want: unknown[] = [];
      const moved: ArrayBuffer[] = [];
      const ac = new AbortController();
      setMaxListeners(200, ac.signal);
      for (let i = 0; i < 120; i++) {
        const k = KINDS[Math.floor(rand() * KINDS.length)];
        kinds.push(k);
        const v = { a: i, b: round };
        if (k === 'default') {
          runs.push(pool.run(v));
          want.push(i + round);
        } else if (k === 'name') {
          runs.push(pool.run(v, { name: 'echo' }));
          want.push(v);
        } else if (k === 'filename') {
          runs.push(pool.run(v, { filename: tasksPath, name: 'echo' }));
          want.push(v);
        } else if (k === 'signal') {
          runs.push(pool.run(v, { signal: ac.signal }));
          want.push(i + round);
        } else if (k === 'timeout') {
          runs.push(pool.run(v, { timeout: 30_000 }));
          want.push(i + round);
        } else {
          const buf = new ArrayBuffer(16 + i);
          moved.push(buf);
          runs.push(pool.run(move(buf), { name: 'byteLength' }));
          want.push(16 + i);
        }
      }
      // Settled (failed, if an assertion below ends the test first) when the pool is destroyed.
      const all = Promise.all(runs);
      all.catch(() => {});
      assert.equal(queue.seen.length, 120, 'every task waited in the custom queue');
      for (let i = 0; i < 120; i++) {
        const s = queue.seen[i];
        const k = kinds[i];
        if (i > 0) assert.ok(s.taskId > queue.seen[i - 1].taskId, `round ${round}: task ids in order at ${i}`);
        const name = k === 'name' || k === 'filename' ? 'echo' : k === 'move' ? 'byteLength' : 'default';
        assert.equal(s.name, name, `round ${round}, task ${i} (${k}): name`);
        const filename = k === 'filename' ? tasksPath : pool.options.filename;
        assert.equal(s.filename, filename, `round ${round}, task ${i} (${k}): filename`);
        assert.equal(s.isAbortable, k === 'signal', `round ${round}, task ${i} (${k}): isAbortable`);
      }
      assert.equal(await head, 30);
      assert.deepEqual(await all, want, `round ${round}: results`);
      // Moved buffers were transferred (detached here) when their task was handed over.
      for (const buf of moved) assert.equal(buf.byteLength, 0);
    }
    assert.equal(pool.completed, 4 * 121);
  } finally {
    await pool.destroy();
  }
});
