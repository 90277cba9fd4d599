/**
 * The pool worker's entry module, loaded by the launch script (launch.cts: with a V8 code cache
 * in the published build). `./boot.js` must stay the first import: it marks the thread as a pool
 * worker before any other module is evaluated.
 *
 * No top-level await here (Node 20 aborts the whole process if a worker is terminated while an
 * async module graph is still evaluating): start-up is a promise chain instead.
 *
 * Start-up cost is module count: a worker pays ~0.5 ms for every ES module it loads before its
 * first task. So the published package runs this file as one bundle (scripts/bundle-worker.mjs):
 * this module, the pool's worker modules and atomics-sync's light `core` entry (codec, revive,
 * error transport), everything the first task needs. Unbundled (the tests' build) it is the same
 * code in ~20 files. Then, in parallel:
 *  1. the MessagePort the pool posted right after creating the worker (for payloads that cannot
 *     travel in a ring);
 *  2. the default task module;
 *  then report ready and enter the task loop. Requests main wrote meanwhile are waiting in the ring.
 * Then, in the background: the whole of @sabkit/atomics-sync and @sabkit/typed-struct (which
 * register every sabkit kind, so revive() makes their objects live) and the pool's error classes.
 * A task whose argument holds a sabkit object before that is done waits for it; others do not.
 * The bundle's copy of atomics-sync's core and the package loaded here share the thread's kind
 * registry (it lives on globalThis), so the copy revives what the package registers. A worker that
 * main asked for the entry's code cache makes it after that (code-cache.ts).
 */
import { bootInit } from './boot.js';
import { parentPort, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { STATE, STATE_READY } from '../dispatch/layout.js';
import {
  decode,
  encode,
  encodeInto,
  isSharedDescriptor,
  lastDecodeMayRevive,
  revive,
  serializeError,
  tryEncodeInto,
} from '@sabkit/atomics-sync/core';
import { bindCodec } from '../dispatch/codec-link.js';
import { workerGlobalState, workerLaunch } from '../worker-state.js';
import { CODE_CACHE_MESSAGE, PORT_MESSAGE, READY_MESSAGE, isInternalMessage } from '../engine/messages.js';
import { importModule } from './loader.js';
import { applyNice } from './nice.js';
import { bindPoolErrors, bindSync } from './sync-link.js';
import { TaskLoop } from './task-loop.js';
import { WorkerChannel } from '../dispatch/worker-channel.js';

/** The port message if it has already arrived. Deno's parentPort is not a MessagePort that
 * receiveMessageOnPort accepts (it throws a TypeError there): the listener below takes it instead. */
function portArrived(): MessagePort | undefined {
  let m: { message: unknown } | undefined;
  try {
    m = receiveMessageOnPort(parentPort!);
  } catch {
    return undefined;
  }
  return m !== undefined && isInternalMessage(m.message, PORT_MESSAGE) ? (m.message.port as MessagePort) : undefined;
}

function takePort(): Promise<MessagePort> {
  const arrived = portArrived();
  if (arrived !== undefined) return Promise.resolve(arrived);
  return new Promise((resolve) => {
    const onMessage = (msg: unknown): void => {
      if (!isInternalMessage(msg, PORT_MESSAGE)) return;
      parentPort!.off('message', onMessage);
      resolve(msg.port as MessagePort);
    };
    parentPort!.on('message', onMessage);
  });
}

/** Everything that registers sabkit kinds and error classes; not needed for the first task. */
function loadKinds(): Promise<void> {
  return Promise.all([
    importModule('@sabkit/atomics-sync'),
    importModule('@sabkit/typed-struct'),
    importModule('../errors.js'),
  ]).then(([, , errors]) => {
    bindPoolErrors(errors as typeof import('../errors.js'));
  });
}

/** Answers main's request for the entry's code cache (code-cache.ts); undefined data: none to make. */
function sendCodeCache(): void {
  let data: Uint8Array | undefined;
  try {
    data = workerLaunch()?.createCodeCache();
  } catch {
    // V8 could not serialise the code: no cache, and main stops asking.
  }
  parentPort!.postMessage({ [CODE_CACHE_MESSAGE]: true, data });
}

function start(): void {
  const state = workerGlobalState();
  if (bootInit === undefined || state === undefined) {
    throw new Error(
      'sabkit pool worker entry: loaded outside a pool (no start-up record); it is started by new Piscina() only',
    );
  }
  const init = bootInit;
  if (init.niceIncrement > 0) applyNice(init.niceIncrement);
  const ch = new WorkerChannel(init.channel, init.pool);
  const loop = new TaskLoop(ch, state);
  // Named imports, not the namespace: the bundle then leaves out what the worker never calls
  // (deserialising errors, and with it atomics-sync's error classes).
  bindCodec({ encode, encodeInto, tryEncodeInto, decode, lastDecodeMayRevive });
  bindSync({ revive, isSharedDescriptor, serializeError });
  let kinds!: () => void;
  // Started once the worker is ready, so that it does not slow down the loading of what the first
  // task needs. It progresses whenever the worker's event loop runs (a task waiting for it makes
  // the loop return to the event loop).
  const kindsLoaded = new Promise<void>((resolve) => (kinds = resolve)).then(loadKinds);
  loop.kindsLoading(kindsLoaded);
  // After the background start-up, so that the cache holds what it compiled too, and the first task
  // if one was waiting (it ran before the event loop could progress the imports).
  if (init.produceCodeCache) void kindsLoaded.then(sendCodeCache, sendCodeCache);
  const defaultFn = init.filename === null ? undefined : loop.define(0, init.filename, init.name);
  void Promise.all([takePort(), defaultFn]).then(([port]) => {
    ch.port = port;
    Atomics.store(ch.i32, STATE, STATE_READY);
    parentPort!.postMessage({ [READY_MESSAGE]: true });
    kinds();
    loop.run();
  });
}

start();
