// Seed section 8 (using a pool of workers). Python:
//
//   from multiprocessing import Pool, TimeoutError
//   import time
//   import os
//
//   def f(x):
//       return x*x
//
//   if __name__ == '__main__':
//       # start 4 worker processes
//       with Pool(processes=4) as pool:
//
//           # print "[0, 1, 4,..., 81]"
//           print(pool.map(f, range(10)))
//
//           # print same numbers in arbitrary order
//           for i in pool.imap_unordered(f, range(10)):
//               print(i)
//
//           # evaluate "f(20)" asynchronously
//           res = pool.apply_async(f, (20,))      # runs in *only* one process
//           print(res.get(timeout=1))             # prints "400"
//
//           # evaluate "os.getpid()" asynchronously
//           res = pool.apply_async(os.getpid, ()) # runs in *only* one process
//           print(res.get(timeout=1))             # prints the PID of that process
//
//           # launching multiple evaluations asynchronously *may* use more processes
//           multiple_results = [pool.apply_async(os.getpid, ()) for i in range(4)]
//           print([res.get(timeout=1) for res in multiple_results])
//
//           # make a single worker sleep for 10 seconds
//           res = pool.apply_async(time.sleep, (10,))
//           try:
//               print(res.get(timeout=1))
//           except TimeoutError:
//               print("We lacked patience and got a multiprocessing.TimeoutError")
//
//           print("For the moment, the pool remains available for more work")
//
//       # exiting the 'with'-block has stopped the pool
//       print("Now the pool is stopped")
//
// Timeouts are in milliseconds. os.getpid and time.sleep are module exports here
// (examples/workers/os.ts), named by a file URL with the export after '#'.
import { Pool, TimeoutError, pyRepr, type AsyncResult } from '../src/index.js';

const os = { getpid: new URL('./workers/os.js#getpid', import.meta.url) };
const time = { sleep: new URL('./workers/os.js#sleep', import.meta.url) };

function f(x: number): number {
  return x * x;
}

const range = (n: number): number[] => [...Array(n).keys()];
// Lists are printed as Python prints them (pyRepr): [0, 1, 4, 9, ...].

{
  // start 4 worker processes
  await using pool = new Pool({ processes: 4 });

  // print "[0, 1, 4,..., 81]"
  console.log(pyRepr(await pool.map(f, range(10))));

  // print same numbers in arbitrary order
  for await (const i of pool.imapUnordered(f, range(10))) {
    console.log(i);
  }

  // evaluate "f(20)" asynchronously
  let res: AsyncResult<unknown> = pool.applyAsync(f, [20]); // runs in *only* one process
  console.log(await res.get(1000)); // prints "400"

  // evaluate "os.getpid()" asynchronously
  res = pool.applyAsync(os.getpid, []); // runs in *only* one process
  console.log(await res.get(1000)); // prints the id of that worker

  // launching multiple evaluations asynchronously *may* use more processes
  const multipleResults = range(4).map(() => pool.applyAsync(os.getpid, []));
  console.log(pyRepr(await Promise.all(multipleResults.map((r) => r.get(1000)))));

  // make a single worker sleep for 10 seconds
  res = pool.applyAsync(time.sleep, [10]);
  try {
    console.log(await res.get(1000));
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    console.log('We lacked patience and got a multiprocessing.TimeoutError');
  }

  console.log('For the moment, the pool remains available for more work');
}

// exiting the 'await using' block has stopped the pool
console.log('Now the pool is closed and no longer available');
