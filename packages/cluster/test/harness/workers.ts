/**
 * sabkit-worker processes for the tests: each a separate `node` process running the package's
 * command, as a worker machine would (simulated on one host). Killed when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from './children.js';

export const BIN = fileURLToPath(new URL('../../../bin/sabkit-worker.mjs', import.meta.url));
/** Module tasks of the tests live here (compiled test/fixtures). */
export const ROOT = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface TestWorker {
  readonly proc: ChildProcess;
  /** stdout so far (with --verbose: a line per job started and done). */
  out(): string;
  /** Resolves when stdout (or else stderr) has a line matching `re`. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startWorker(
  url: string,
  queue: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<TestWorker> {
  const args = [BIN, '--redis', url, '--queue', queue, '--root', ROOT, '--threads', '1', ...extra];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  track(proc);
  const exited = new Promise<number | null>((r) =>
    proc.once('exit', (code) => {
      r(code);
    }),
  );
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  proc.stdout!.on('data', (d) => {
    out += d;
    for (const w of waiters) w();
  });
  proc.stderr!.on('data', (d) => {
    err += d;
    for (const w of waiters) w();
  });
  const w: TestWorker = {
    proc,
    out: () => out + err,
    waitFor(re, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out) ?? re.exec(err);
          if (m) {
            waiters.delete(check);
            clearTimeout(t);
            resolve(m[0]);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`worker: no ${re} within ${ms} ms; output:\n${out}${err}`));
        }, ms);
        waiters.add(check);
        void exited.then(() => {
          if (waiters.has(check)) {
            waiters.delete(check);
            clearTimeout(t);
            reject(new Error(`worker exited before ${re}; output:\n${out}${err}`));
          }
        });
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  await w.waitFor(/sabkit-worker \S+: queue/);
  return w;
}
