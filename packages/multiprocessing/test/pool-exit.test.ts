// Exit: a Pool's workers are daemons, as Python's. A program that ends while a pool task still
// runs exits (Python's exit handler terminates the pool), and the calls that wait for results
// keep it alive until they have them. CPython is the oracle: where python3 exists, the same
// program in Python is run and must exit too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./fixtures/mp-pool-exit-main.js', import.meta.url));
// Far above a normal run (about a second here): a run that reaches it was kept alive.
const BOUND_MS = 30_000;

function run(mode: string) {
  const r = spawnSync(process.execPath, [main, mode], { encoding: 'utf8', timeout: BOUND_MS, killSignal: 'SIGKILL' });
  assert.equal(r.signal, null, `the program did not exit by itself within ${BOUND_MS} ms: ${mode}\n${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;

test('a Pool never closed, with a task that never ends, does not keep the program alive', {
  timeout: BOUND_MS + 10_000,
}, () => {
  assert.equal(run('forgotten'), 'submitted\n');
});

test('CPython: the same program exits (its pool workers are daemons, terminated at exit)', {
  timeout: BOUND_MS + 10_000,
  skip: python ? false : 'no python3 on this machine',
}, () => {
  const source = [
    'from multiprocessing import Pool',
    'def forever():',
    '    while True: pass',
    "if __name__ == '__main__':",
    '    pool = Pool(2)',
    "    pool.apply_async(forever, callback=lambda r: print('never printed'))",
    "    print('submitted')",
  ].join('\n');
  const r = spawnSync('python3', ['-c', source], { encoding: 'utf8', timeout: BOUND_MS, killSignal: 'SIGKILL' });
  assert.equal(r.signal, null, 'python3 did not exit');
  assert.equal(r.stdout, 'submitted\n');
});

test('apply, map, AsyncResult.get and imap keep the program alive until they have their results', {
  timeout: BOUND_MS + 10_000,
}, () => {
  assert.equal(run('waits'), 'apply 42\nmap 2,3,4\nget -4,-5\nimap 1,4,9\nmain ends\n');
});

test('join() after close() keeps the program alive until the work is done', { timeout: BOUND_MS + 10_000 }, () => {
  assert.equal(run('joined'), 'joined ready=true\n');
});

test('a program may end while a big pool is still starting its workers', { timeout: BOUND_MS + 10_000 }, () => {
  assert.equal(run('big'), '2,3\n');
});
