// Seed section 4 (exchanging objects: pipes). Python:
//
//   from multiprocessing import Process, Pipe
//
//   def f(conn):
//       conn.send([42, None, 'hello'])
//       conn.close()
//
//   if __name__ == '__main__':
//       parent_conn, child_conn = Pipe()
//       p = Process(target=f, args=(child_conn,))
//       p.start()
//       print(parent_conn.recv())   # prints "[42, None, 'hello']"
//       p.join()
//
// prints:  [ 42, null, 'hello' ]
//
// Pipe() returns the two ends of a duplex pipe in shared memory. As the seed warns, two threads
// must not use the same end at the same time; using the two ends at once is safe.
import { Pipe, Process, pyRepr, type Connection } from '../src/index.js';

function f(conn: Connection): void {
  conn.send([42, null, 'hello']);
  conn.close();
}

const [parentConn, childConn] = Pipe();
const p = new Process({ target: f, args: [childConn] });
p.start();
console.log(pyRepr(await parentConn.recvAsync())); // prints "[42, None, 'hello']"
await p.join();
