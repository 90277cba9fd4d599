// Seed section 1 (the Pool introduction). Python:
//
//   from multiprocessing import Pool
//
//   def f(x):
//       return x*x
//
//   if __name__ == '__main__':
//       with Pool(5) as p:
//           print(p.map(f, [1, 2, 3]))
//
// prints:  [1, 4, 9]      (here too: the list printed as Python prints it, with pyRepr)
//
// Five workers; the list is cut into chunks, the chunks are spread over the workers, and the
// results come back in input order. `f` is sent as source and compiled in each worker once.
import { Pool, pyRepr } from '../src/index.js';

function f(x: number): number {
  return x * x;
}

{
  await using p = new Pool(5);
  console.log(pyRepr(await p.map(f, [1, 2, 3])));
}
