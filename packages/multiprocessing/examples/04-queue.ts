// Seed section 3 (exchanging objects: queues). Python:
//
//   from multiprocessing import Process, Queue
//
//   def f(q):
//       q.put([42, None, 'hello'])
//
//   if __name__ == '__main__':
//       q = Queue()
//       p = Process(target=f, args=(q,))
//       p.start()
//       print(q.get())    # prints "[42, None, 'hello']"
//       p.join()
//
// prints:  [ 42, null, 'hello' ]   (JavaScript's null is Python's None)
//
// The queue lives in shared memory and is safe for any number of threads and workers. The main
// thread waits with getAsync(), which leaves its event loop free; the child, a worker, may block
// in put() and get().
import { Process, Queue, pyRepr } from '../src/index.js';

function f(q: Queue<unknown[]>): void {
  q.put([42, null, 'hello']);
}

const q = new Queue<unknown[]>();
const p = new Process({ target: f, args: [q] });
p.start();
console.log(pyRepr(await q.getAsync())); // prints "[42, None, 'hello']"
await p.join();
