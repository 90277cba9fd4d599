// The runtime's own postMessage worker: a Web Worker on Bun and Deno (their native API), a
// worker_threads Worker on Node. Replies [id, x + 1].
if (typeof self !== 'undefined' && typeof self.postMessage === 'function' && !globalThis.process?.versions?.node) {
  self.onmessage = (e) => self.postMessage([e.data[0], e.data[1] + 1]);
} else {
  const { parentPort } = await import('node:worker_threads');
  if (parentPort) parentPort.on('message', (m) => parentPort.postMessage([m[0], m[1] + 1]));
  else self.onmessage = (e) => self.postMessage([e.data[0], e.data[1] + 1]);
}
