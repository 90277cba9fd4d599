// The bench's module worker: echoes x + 1 through Queues (blocking get here) or by postMessage.
import { Queue, revive } from '@sabkit/atomics-sync';

void Queue;
self.onmessage = (e) => {
  if (e.data.mode === 'task') {
    // One worker of the postMessage pool: [id, x] in, [id, task(x)] out, messages held until loaded.
    const waiting = [];
    self.onmessage = (m) => waiting.push(m.data);
    import(e.data.task).then(({ default: fn }) => {
      self.onmessage = (m) => self.postMessage([m.data[0], fn(m.data[1])]);
      for (const [id, x] of waiting) self.postMessage([id, fn(x)]);
    });
    return;
  }
  if (e.data.mode === 'post') {
    self.onmessage = (m) => self.postMessage(m.data + 1);
    return;
  }
  const q = revive(e.data.q);
  const back = revive(e.data.back);
  for (;;) {
    const x = q.get(30_000);
    if (x === 'END') break;
    back.put(x + 1);
  }
};
