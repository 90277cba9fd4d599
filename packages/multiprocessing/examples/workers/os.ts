// Stand-ins for the functions of Python's `os` and `time` modules that the seed's Pool example
// hands to its workers (os.getpid, time.sleep): a module's exports are what a worker can import.
import { threadId } from 'node:worker_threads';

/** os.getpid(): here a "process" is a worker thread, so its id is the thread id. */
export function getpid(): number {
  return threadId;
}

/** time.sleep(seconds): blocks the worker's thread without using the CPU. */
export function sleep(seconds: number): null {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
  return null;
}
