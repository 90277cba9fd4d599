/**
 * The harness's child processes (redis-server, sabkit-worker), killed when the test process ends.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});
// A test process ended by a signal (a runner's timeout) runs no 'exit' handlers: kill the children
// first, or workers would retry their vanished Redis for ever.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(sig, () => {
    for (const c of live) c.kill('SIGKILL');
    process.kill(process.pid, sig);
  });
}

/** Kills `proc` with the test process unless it has exited by then. */
export function track(proc: ChildProcess): void {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
}
