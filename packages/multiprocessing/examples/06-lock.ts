// Seed section 5 (synchronisation between processes). Python:
//
//   from multiprocessing import Process, Lock
//
//   def f(l, i):
//       l.acquire()
//       try:
//           print('hello world', i)
//       finally:
//           l.release()
//
//   if __name__ == '__main__':
//       lock = Lock()
//
//       for num in range(10):
//           Process(target=f, args=(lock, num)).start()
//
// prints the ten lines 'hello world 0' ... 'hello world 9' (in whatever order the processes get
// the lock). The Lock lives in shared memory; each child receives it as an argument and it comes
// alive there over the same bytes.
import { Lock, Process } from '../src/index.js';

function f(l: Lock, i: number): void {
  l.acquire();
  try {
    console.log('hello world', i);
  } finally {
    l.release();
  }
}

const lock = new Lock();

for (let num = 0; num < 10; num++) {
  new Process({ target: f, args: [lock, num] }).start();
}
