// Seed section 6 (sharing state: shared memory). Python:
//
//   from multiprocessing import Process, Value, Array
//
//   def f(n, a):
//       n.value = 3.1415927
//       for i in range(len(a)):
//           a[i] = -a[i]
//
//   if __name__ == '__main__':
//       num = Value('d', 0.0)
//       arr = Array('i', range(10))
//
//       p = Process(target=f, args=(num, arr))
//       p.start()
//       p.join()
//
//       print(num.value)
//       print(arr[:])
//
// prints:
//   3.1415927
//   [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]
//
// 'd' is a double and 'i' a signed int, as in Python; both cells carry a lock, as Python's do.
import { Array, Process, Value } from '../src/index.js';

function f(n: Value<'d'>, a: Array<'i'>): void {
  n.value = 3.1415927;
  for (let i = 0; i < a.length; i++) {
    a.set(i, -a.get(i));
  }
}

const num = new Value('d', 0.0);
const arr = new Array('i', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

const p = new Process({ target: f, args: [num, arr] });
p.start();
await p.join();

console.log(num.value);
// Python prints a list on one line; so do we.
console.log(`[${arr.slice().join(', ')}]`);
