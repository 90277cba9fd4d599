// Seed section 9 (the caveat). In Python's interactive interpreter:
//
//   >>> from multiprocessing import Pool
//   >>> p = Pool(5)
//   >>> def f(x):
//   ...     return x*x
//   ...
//   >>> p.map(f, [1,2,3])
//   Process PoolWorker-1:
//   Traceback (most recent call last):
//   AttributeError: 'module' object has no attribute 'f'
//   ...
//
// and then the parent hangs: the children cannot import `f`, and the pool waits for ever.
//
// Here an inline function's source travels to the workers, so a function typed at a REPL works.
// What cannot travel is what the function uses from around it. Each way of breaking that rule
// fails at once, with an error that says what is wrong and what to do, and the pool goes on
// working:
//   1. a function that closes over a variable of its module: caught before anything is sent, as
//      Python refuses to pickle a closure;
//   2. a function that uses `this` of the code around it: caught before anything is sent too;
//   3. a module export that does not exist (the seed's AttributeError): caught when the worker
//      imports it.
import { Pool } from '../src/index.js';

const exponent = 2;

async function attempt(what: string, run: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  try {
    console.log(what, '->', await run());
  } catch (e) {
    const err = e as Error;
    console.log(`${what} -> ${err.name} after ${Math.round(performance.now() - started)} ms:`);
    console.log(`  ${err.message}`);
  }
}

{
  await using p = new Pool(5);
  // Let the five workers start first, so that the times below are those of the failures alone.
  await p.map((x: number) => x, [1, 2, 3, 4, 5], 1);

  // 1. `exponent` lives in this module, not in the worker.
  await attempt('closure', () => p.map((x: number) => x ** exponent, [1, 2, 3]));

  // 2. `this` would be the object below, which stays in this thread.
  const calculator = {
    factor: 3,
    times(x: number): number {
      return x * this.factor;
    },
  };
  await attempt('this', () => p.map(calculator.times, [1, 2, 3]));

  // 3. The seed's AttributeError: the module has no export named 'f'.
  await attempt('missing export', () =>
    p.map({ filename: new URL('./workers/os.js', import.meta.url), name: 'f' }, [1, 2, 3]),
  );

  // The pool still works: pass what the function needs as an argument.
  console.log(
    'the pool still works:',
    await p.starmap(
      (x: number, e: number) => x ** e,
      [
        [1, exponent],
        [2, exponent],
        [3, exponent],
      ],
    ),
  );
}
