/**
 * Entry point of a Process's worker: runs the target once with its revived arguments, then ends
 * the thread with Python's exit code (0, or 1 after printing the error as Python prints a
 * traceback). See process.ts.
 */
import { workerData } from 'node:worker_threads';
import { revive } from '@sabkit/atomics-sync';
// Registers the manager proxies' kind, so that revive() makes them live in this worker.
import '../manager/revive.js';
import { explainInlineError, loadTask } from '../tasks/inline.js';
import { setCurrentIdentity } from './current-process.js';
import { PROCESS_WORKER_DATA_KEY, activeChildren, type ProcessStart } from './process.js';

const start = (workerData as Record<string, ProcessStart>)[PROCESS_WORKER_DATA_KEY];
setCurrentIdentity(start.self);

let code = 0;
try {
  if (start.target) {
    const fn = await loadTask(start.target);
    try {
      // Each argument on its own: revive() leaves repeated references to one object unrevived.
      await fn(...start.args.map((a) => revive(a)));
    } catch (e) {
      throw explainInlineError(e, start.target);
    }
  }
} catch (e) {
  process.stderr.write(`Process ${start.self.name}:\n${formatError(e)}\n`);
  code = 1;
}
// Python's child joins its non-daemon children before it exits; daemons are stopped with it.
await Promise.all(
  activeChildren()
    .filter((p) => !p.daemon)
    .map((p) => p.join()),
);
process.exit(code);

function formatError(e: unknown): string {
  if (e instanceof Error) {
    let text = e.stack ?? `${e.name}: ${e.message}`;
    let cause = e.cause;
    for (let depth = 0; cause !== undefined && depth < 8; depth++) {
      const shown = cause instanceof Error ? (cause.stack ?? String(cause)) : String(cause);
      text += `\n\nThe above was caused by:\n${shown}`;
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    return text;
  }
  return `Thrown value: ${String(e)}`;
}
