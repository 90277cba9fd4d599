/**
 * The pool worker's entry module. `./boot.js` must stay the first import: it marks the thread as a
 * pool worker before any other module is evaluated.
 *
 * No top-level await here (Node 20 aborts the whole process if a worker is terminated while an
 * async module graph is still evaluating): start-up is a promise chain instead.
 *
 * Start-up: take the MessagePort the pool posted right after creating the worker (the channel for
 * payloads that cannot travel in a ring), import the default task module, then report ready and
 * enter the task loop. Requests that main wrote into the ring meanwhile are waiting there: the
 * first task needs no wake-up.
 */
import { bootInit } from './boot.js';
import { parentPort, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import '@sabkit/atomics-sync';
import { STATE, STATE_READY } from '../dispatch/layout.js';
import { workerGlobalState } from '../worker-state.js';
import { PORT_MESSAGE, READY_MESSAGE, isInternalMessage } from '../messages.js';
import { TaskLoop } from './task-loop.js';
import { WorkerChannel } from './worker-channel.js';

/** Keeps the worker's event loop alive while it waits asynchronously (atomics: 'async'). */
const KEEP_ALIVE_MS = 1 << 30;

function takePort(): Promise<MessagePort> {
  const m = receiveMessageOnPort(parentPort!);
  if (m !== undefined && isInternalMessage(m.message, PORT_MESSAGE)) return Promise.resolve(m.message.port as MessagePort);
  return new Promise((resolve) => {
    const onMessage = (msg: unknown): void => {
      if (!isInternalMessage(msg, PORT_MESSAGE)) return;
      parentPort!.off('message', onMessage);
      resolve(msg.port as MessagePort);
    };
    parentPort!.on('message', onMessage);
  });
}

function start(): void {
  const state = workerGlobalState();
  if (bootInit === undefined || state === undefined) {
    throw new Error('sabkit pool worker entry: loaded outside a pool (no start-up record); it is started by new Piscina() only');
  }
  const init = bootInit;
  setInterval(() => {}, KEEP_ALIVE_MS);
  const ch = new WorkerChannel(init.channel, init.pool);
  const loop = new TaskLoop(ch, state);
  void takePort()
    .then((port) => {
      ch.port = port;
      return init.filename === null ? undefined : loop.define(0, init.filename, init.name);
    })
    .then(() => {
      Atomics.store(ch.i32, STATE, STATE_READY);
      parentPort!.postMessage({ [READY_MESSAGE]: true });
      loop.run();
    });
}

start();
