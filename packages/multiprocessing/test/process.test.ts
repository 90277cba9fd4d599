// Process, currentProcess, parentProcess, activeChildren, cpuCount.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { Process, activeChildren, EXIT_KILLED, EXIT_TERMINATED } from '../src/process/process.js';
import { cpuCount, currentProcess, parentProcess } from '../src/process/current-process.js';

const tasks = new URL('./fixtures/mp-tasks.js', import.meta.url);
const mainScript = fileURLToPath(new URL('./fixtures/mp-process-main.js', import.meta.url));

function runMain(mode: string, timeout = 20_000) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [mainScript, mode], { encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
  return { ...r, ms: performance.now() - started };
}

function readName(shared: Int32Array): string {
  return String.fromCharCode(...shared.subarray(3, 3 + shared[2]));
}

test('a Process runs an inline target with its arguments and ends with exitCode 0', { timeout: 20_000 }, async () => {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const p = new Process({
    target: (a: Int32Array, x: number, y: number) => {
      a[0] = x * y;
      a[1] = 1;
    },
    args: [shared, 6, 7],
  });
  assert.equal(p.pid, null);
  assert.equal(p.exitCode, null);
  assert.equal(p.isAlive(), false);
  assert.match(p.name, /^Process-\d+$/);
  p.start();
  assert.equal(typeof p.pid, 'number');
  assert.notEqual(p.pid, threadId);
  assert.equal(p.ident, p.pid);
  await p.join();
  assert.equal(p.exitCode, 0);
  assert.equal(p.isAlive(), false);
  assert.deepEqual([...shared], [42, 1]);
  assert.match(String(p), /stopped exitcode=0/);
});

test('a module target, its name, its parent and its pid are what the child sees', { timeout: 20_000 }, async () => {
  const shared = new Int32Array(new SharedArrayBuffer(4 * 64));
  const p = new Process({ target: { filename: tasks, name: 'report' }, args: [shared], name: 'Reporter' });
  p.start();
  await p.join();
  assert.equal(p.exitCode, 0);
  assert.equal(shared[0], p.pid);
  assert.equal(shared[1], threadId);
  assert.equal(readName(shared), 'Reporter');
  const string = new Process({ target: `${tasks.href}#report`, args: [shared] });
  string.start();
  await string.join();
  assert.equal(string.exitCode, 0);
  assert.equal(readName(shared), string.name);
});

test('a child of a child is named Process-a:b and sees its parent', { timeout: 20_000 }, async () => {
  const shared = new Int32Array(new SharedArrayBuffer(4 * 64));
  const outer = new Process({
    target: async (sh: Int32Array, url: string) => {
      const { Process: P } = await import(url);
      const inner = new P({
        target: { filename: new URL('../../test/fixtures/mp-tasks.js', url), name: 'report' },
        args: [sh],
      });
      inner.start();
      await inner.join();
    },
    args: [shared, new URL('../src/process/process.js', import.meta.url).href],
  });
  outer.start();
  await outer.join();
  assert.equal(outer.exitCode, 0);
  assert.equal(readName(shared), `${outer.name}:1`);
  assert.equal(shared[1], outer.pid);
});

test('a target that throws ends with exitCode 1 and prints the traceback', { timeout: 20_000 }, () => {
  const r = runMain('throws');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /exitCode=1/);
  assert.match(r.stderr, /^Process Thrower:\n/m);
  assert.match(r.stderr, /TypeError: boom 7/);
});

test('an inline target that closes over a variable is refused in the parent, before anything runs', () => {
  const ran = new Int32Array(new SharedArrayBuffer(4));
  const factor = 3;
  // Python raises at start(), when it pickles the target; here the Process is refused even earlier.
  assert.throws(
    () =>
      new Process({
        target: (flag: Int32Array, x: number) => {
          Atomics.store(flag, 0, 1);
          return x * factor;
        },
        args: [ran, 2],
      }).start(),
    { name: 'InlineFunctionError', message: /target \(function target\) is a closure: it refers to `factor`/ },
  );
  assert.equal(Atomics.load(ran, 0), 0);
  assert.deepEqual(activeChildren(), []);
});

test('a closure the parent cannot see still ends the child with the rule explained', { timeout: 20_000 }, () => {
  const r = runMain('closure');
  assert.match(r.stdout, /exitCode=1/);
  assert.match(
    r.stderr,
    /InlineFunctionError: inline function .* refers to `mainOnlyFactor`, which does not exist in the worker/,
  );
  assert.match(r.stderr, /Pass `mainOnlyFactor` as an argument/);
});

test('a missing module export ends the child with exitCode 1 and says which exports exist', { timeout: 20_000 }, () => {
  const r = runMain('missing-export');
  assert.match(r.stdout, /exitCode=1/);
  assert.match(
    r.stderr,
    new RegExp(
      /TaskModuleError: the task module .*mp-tasks\.js has no export named 'noSuchExport' /.source +
        /\(its function exports: .*square/.source,
    ),
  );
});

test('process.exit(n) in the target gives exitCode n', { timeout: 20_000 }, async () => {
  const p = new Process({ target: (n: number) => process.exit(n), args: [3] });
  p.start();
  await p.join();
  assert.equal(p.exitCode, 3);
});

test('terminate and kill stop a running target: -15 and -9', { timeout: 20_000 }, async () => {
  const a = new Process({ target: { filename: tasks, name: 'sleepMs' }, args: [60_000] });
  const b = new Process({ target: { filename: tasks, name: 'sleepMs' }, args: [60_000] });
  a.start();
  b.start();
  await a.join(50);
  assert.equal(a.isAlive(), true);
  assert.equal(a.exitCode, null);
  assert.ok(activeChildren().includes(a) && activeChildren().includes(b));
  a.terminate();
  b.kill();
  await Promise.all([a.join(), b.join()]);
  assert.equal(a.exitCode, EXIT_TERMINATED);
  assert.equal(b.exitCode, EXIT_KILLED);
  assert.ok(!activeChildren().includes(a) && !activeChildren().includes(b));
  a.terminate(); // stopping an ended process does nothing
  assert.equal(a.exitCode, EXIT_TERMINATED);
});

test('misuse: start twice, join before start, bad options, daemon after start', { timeout: 20_000 }, async () => {
  const p = new Process({ target: () => {} });
  await assert.rejects(p.join(), {
    name: 'InvalidStateError',
    code: 'ERR_SABKIT_INVALID_STATE',
    message: /can only join a started process/,
  });
  p.start();
  assert.throws(() => p.start(), { name: 'InvalidStateError', message: /cannot start a process twice/ });
  assert.throws(
    () => {
      p.daemon = true;
    },
    { name: 'InvalidStateError' },
  );
  await assert.rejects(p.join(Number.NaN), { code: 'ERR_SABKIT_INVALID_ARGUMENT' });
  await p.join();
  for (const [opts, re] of [
    [{ target: 42 }, /target must be a function, a module export/],
    [{ target: () => {}, args: 'x' }, /args must be an array/],
    [{ target: () => {}, name: 7 }, /name must be a string/],
    [{ target: () => {}, daemon: 'yes' }, /daemon must be a boolean/],
    [{ target: { filename: 'relative/mod.js', name: 'f' } }, /absolute path or a file URL/],
  ] as const) {
    assert.throws(
      () => new Process(opts as never),
      (e: Error & { code?: string }) => e.code === 'ERR_SABKIT_INVALID_ARGUMENT' && re.test(e.message),
    );
  }
  assert.throws(() => new Process({ target: Math.max }), {
    name: 'InlineFunctionError',
    message: /built-in function has no source/,
  });
});

test('a Process with no target does nothing and exits 0', { timeout: 20_000 }, async () => {
  const p = new Process();
  p.start();
  await p.join();
  assert.equal(p.exitCode, 0);
});

test('daemon children do not keep the parent alive; non-daemon children do', { timeout: 30_000 }, () => {
  const d = runMain('daemon');
  assert.equal(d.status, 0, d.stderr);
  assert.match(d.stdout, /started daemon pid=\d+/);
  assert.ok(d.ms < 20_000, 'the parent exited without waiting for its minute-long daemon child');
  const n = runMain('non-daemon');
  assert.equal(n.status, 0, n.stderr);
  assert.equal(n.stdout, 'parent returns\nchild done\n');
});

test('currentProcess, parentProcess and cpuCount in the main thread', () => {
  const me = currentProcess();
  assert.equal(me.name, 'MainProcess');
  assert.equal(me.pid, threadId);
  assert.equal(me.daemon, false);
  assert.equal(me.isAlive(), true);
  assert.equal(parentProcess(), null);
  assert.ok(Number.isInteger(cpuCount()) && cpuCount() >= 1);
});
