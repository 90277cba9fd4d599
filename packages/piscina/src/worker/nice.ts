/**
 * `niceIncrement` (piscina's option): lowers this worker thread's scheduling priority by adding to
 * its nice value, capped at 19, before the worker loads anything or runs a task.
 *
 * piscina calls the native @napi-rs/nice; this package has no native dependency. On Linux the nice
 * value belongs to each thread (a thread is a kernel task with its own id, and setpriority() on
 * that id changes that thread alone), so the worker finds its kernel thread id in
 * /proc/thread-self (a link to `<pid>/task/<tid>`) and calls os.setPriority(tid, ...), which is
 * setpriority(PRIO_PROCESS, tid). The main thread and the other workers keep theirs; code in the
 * worker reading its own priority (getpriority(PRIO_PROCESS, 0), os.getPriority() of its tid) sees
 * the new value. Elsewhere (macOS, Windows) it does nothing: there the priority of a process is
 * shared by its threads, and os.setPriority cannot name one thread.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The most a nice value can be on Linux. */
const NICEST = 19;

/** Adds `increment` to this thread's nice value (Linux only); false if it could not. */
export function applyNice(increment: number): boolean {
  if (increment <= 0 || process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.min(NICEST, getPriority(tid) + increment));
    return true;
  } catch {
    // No /proc (a sandbox), or not permitted: the worker keeps the priority it inherited.
    return false;
  }
}
