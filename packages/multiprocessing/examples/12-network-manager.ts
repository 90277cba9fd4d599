// Seed section 7's last sentence: a manager "can be shared by processes on different computers
// over a network". A server script and two client scripts, each its own process, on loopback
// (examples/workers/net-manager-server.ts and net-manager-client.ts; run them by hand on two
// machines with a host and port). Prints, in order:
//   serving on 127.0.0.1:<port>
//   alice: queue holds 1, scores {'alice': 5}
//   bob: queue holds 2, scores {'alice': 5, 'bob': 3}
//   drained: hello from alice, hello from bob
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BaseManager, QueueProxy } from '../src/index.js';

const script = (name: string) => fileURLToPath(new URL(`./workers/${name}.js`, import.meta.url));
const server = spawn(process.execPath, [script('net-manager-server'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const line = await new Promise<string>((resolve, reject) => {
    server.stdout.once('data', (b) => resolve(String(b).trim()));
    server.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  console.log(line.replace(/:\d+$/, ':<port>'));
  const port = line.split(':').pop() as string;
  for (const name of ['alice', 'bob']) {
    const r = spawnSync(process.execPath, [script('net-manager-client'), name, port], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`client ${name} failed: ${r.stderr}`);
    process.stdout.write(r.stdout);
  }
  class QueueManager extends BaseManager {}
  QueueManager.register('getQueue', undefined, { proxytype: QueueProxy });
  await using m = new QueueManager({ address: ['127.0.0.1', Number(port)], authkey: 'abracadabra' });
  await m.connect();
  const queue = m.create<QueueProxy<string>>('getQueue');
  console.log(`drained: ${[queue.get(1000), queue.get(1000)].join(', ')}`);
} finally {
  server.kill();
}
