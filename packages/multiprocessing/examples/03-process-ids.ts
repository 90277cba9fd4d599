// Seed section 2 (Process), second example: the ids of the parent and the child. Python:
//
//   from multiprocessing import Process
//   import os
//
//   def info(title):
//       print(title)
//       print('module name:', __name__)
//       print('parent process:', os.getppid())
//       print('process id:', os.getpid())
//
//   def f(name):
//       info('function f')
//       print('hello', name)
//
//   if __name__ == '__main__':
//       info('main line')
//       p = Process(target=f, args=('bob',))
//       p.start()
//       p.join()
//
// Here a process is a worker thread, so the ids are thread ids: the main thread is 0. Its parent
// is the operating system's parent of this Node process (process.ppid), which is what Python's
// os.getppid() prints in the main process; a child's parent is the thread that started it.
//
// `f` calls `info`, another function of this module, so it is passed as a module export
// ({ filename: import.meta.url, name: 'f' }), the way Python's child imports the main module: the
// worker imports this file, and the `isMainThread` guard plays the part of
// `if __name__ == '__main__'`. Under Python's spawn start method the child's module name is
// '__mp_main__', which is what the child prints here.
import { isMainThread } from 'node:worker_threads';
import { Process, currentProcess, parentProcess } from '../src/index.js';

export function info(title: string): void {
  console.log(title);
  console.log('module name:', isMainThread ? '__main__' : '__mp_main__');
  console.log('parent process:', parentProcess()?.pid ?? process.ppid);
  console.log('process id:', currentProcess().pid);
}

export function f(name: string): void {
  info('function f');
  console.log('hello', name);
}

if (isMainThread) {
  info('main line');
  const p = new Process({ target: { filename: import.meta.url, name: 'f' }, args: ['bob'] });
  p.start();
  await p.join();
}
