// Seed section 7 (sharing state: server process). Python:
//
//   from multiprocessing import Process, Manager
//
//   def f(d, l):
//       d[1] = '1'
//       d['2'] = 2
//       d[0.25] = None
//       l.reverse()
//
//   if __name__ == '__main__':
//       with Manager() as manager:
//           d = manager.dict()
//           l = manager.list(range(10))
//
//           p = Process(target=f, args=(d, l))
//           p.start()
//           p.join()
//
//           print(d)
//           print(l)
//
// prints:
//   {0.25: None, 1: '1', '2': 2}      (Python 3.7+ keeps insertion order: {1: '1', '2': 2, 0.25: None})
//   [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
//
// The manager's server thread owns the dict and the list; the child changes them through proxies,
// each call a request to the server. Keys keep their types: 1 and '2' stay a number and a string.
// String(proxy) prints as Python's print does.
import { type DictProxy, type ListProxy, Manager, Process } from '../src/index.js';

function f(d: DictProxy<number | string, string | number | null>, l: ListProxy<number>): void {
  d.set(1, '1');
  d.set('2', 2);
  d.set(0.25, null);
  l.reverse();
}

{
  await using manager = new Manager();
  const d = manager.dict<number | string, string | number | null>();
  const l = manager.list([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  const p = new Process({ target: f, args: [d, l] });
  p.start();
  await p.join();

  console.log(String(d));
  console.log(String(l));
}
