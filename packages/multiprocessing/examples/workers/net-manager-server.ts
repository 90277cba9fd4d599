// The server half of the network-manager example (Python's "Using a remote manager"):
//
//   from multiprocessing.managers import BaseManager
//   from queue import Queue
//   queue = Queue()
//   class QueueManager(BaseManager): pass
//   QueueManager.register('get_queue', callable=lambda: queue)
//   m = QueueManager(address=('', 50000), authkey=b'abracadabra')
//   s = m.get_server()
//   s.serve_forever()
//
// Here the server also shares a dict. Run it, then the client (net-manager-client.ts) from any
// machine that can reach it: `node net-manager-server.js [port] [host]`. It listens on 127.0.0.1
// unless a host is given (pass 0.0.0.0 to accept other machines; then use TLS, see
// docs/manager.md), and prints the address it listens on.
import { BaseManager, ServedDict, ServedQueue } from '../../src/index.js';

const port = Number(process.argv[2] ?? 50000);
const host = process.argv[3] ?? '127.0.0.1';
const queue = new ServedQueue();
const scores = new ServedDict();

class QueueManager extends BaseManager {}
QueueManager.register('getQueue', () => queue);
QueueManager.register('getScores', () => scores);

const server = new QueueManager({ address: [host, port], authkey: 'abracadabra' }).getServer();
const address = await server.listen();
console.log(`serving on ${address?.host}:${address?.port}`);
await server.serveForever();
