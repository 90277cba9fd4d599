// The client half of the network-manager example (Python's):
//
//   from multiprocessing.managers import BaseManager
//   class QueueManager(BaseManager): pass
//   QueueManager.register('get_queue')
//   m = QueueManager(address=('foo.bar.org', 50000), authkey=b'abracadabra')
//   m.connect()
//   queue = m.get_queue()
//   queue.put('hello')
//
// `node net-manager-client.js <name> [port] [host]`: puts a greeting into the server's queue and
// its score into the server's dict, then prints what all the clients so far have left there.
import { BaseManager, DictProxy, QueueProxy } from '../../src/index.js';

const [name = 'client', port = '50000', host = '127.0.0.1'] = process.argv.slice(2);

class QueueManager extends BaseManager {}
QueueManager.register('getQueue', undefined, { proxytype: QueueProxy });
QueueManager.register('getScores', undefined, { proxytype: DictProxy });

await using m = new QueueManager({ address: [host, Number(port)], authkey: 'abracadabra' });
await m.connect();
const queue = m.create<QueueProxy<string>>('getQueue');
const scores = m.create<DictProxy<string, number>>('getScores');
queue.put(`hello from ${name}`);
scores.set(name, name.length);
console.log(`${name}: queue holds ${queue.qsize()}, scores ${String(scores)}`);
