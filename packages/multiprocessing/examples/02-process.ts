// Seed section 2 (Process), first example. Python:
//
//   from multiprocessing import Process
//
//   def f(name):
//       print('hello', name)
//
//   if __name__ == '__main__':
//       p = Process(target=f, args=('bob',))
//       p.start()
//       p.join()
//
// prints:  hello bob
//
// `f` is an inline function: its source is sent to the worker and compiled there, so it needs no
// module of its own (it uses only its parameter and the worker's globals).
import { Process } from '../src/index.js';

function f(name: string): void {
  console.log('hello', name);
}

const p = new Process({ target: f, args: ['bob'] });
p.start();
await p.join();
