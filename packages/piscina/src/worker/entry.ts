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
 * Nothing else, then or later, unless a task needs it: the whole of @sabkit/atomics-sync and
 * @sabkit/typed-struct (which register every sabkit kind, so that revive() makes their objects
 * live) are loaded by revive() itself the first time a task's argument holds a sabkit object of a
 * kind not registered yet (loadKinds below); the pool's error classes when a cancelled task asks
 * for its signal's reason (sync-link.ts). Loading the kinds up front cost ~40 ms of a core per
 * worker (measured here), next to the first task of a fresh process on a 2-core machine. The
 * bundle's copy of atomics-sync's core and the packages share the thread's kind registry (it lives
 * on globalThis), so the copy revives what the packages register. A worker that main asked for the
 * entry's code cache makes it once the first task, if one was waiting, has run (code-cache.ts); the
 * disk cache, when launch.cts found none, is made and written then too.
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
  setKindLoader,
  tryEncodeInto,
} from '@sabkit/atomics-sync/core';
import { bindCodec } from '../dispatch/codec-link.js';
import { type WorkerGlobalState, workerGlobalState, workerLaunch } from '../worker-state.js';
import { CODE_CACHE_MESSAGE, PORT_MESSAGE, READY_MESSAGE, isInternalMessage } from '../engine/messages.js';
import { applyNice } from './nice.js';
import { bindSync } from './sync-link.js';
import { TaskLoop } from './task-loop.js';
import { WorkerChannel } from '../dispatch/worker-channel.js';
import { useMainEpoch } from '../dispatch/clock.js';

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

/**
 * Registers every sabkit kind in this thread: revive() calls it the first time it meets a kind not
 * registered yet (atomics-sync's setKindLoader). The package indexes are CommonJS (their ES module
 * entries are facades over the same instances), so require() loads them at once, and a task
 * module's own import of them gets the same classes.
 */
function loadKinds(): void {
  const launch = workerLaunch();
  if (launch === undefined) return;
  launch.require('@sabkit/atomics-sync');
  launch.require('@sabkit/typed-struct');
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

/**
 * Runs `fn` at a next turn of the event loop, which an idle worker keeps turning until then
 * (WorkerGlobalState.holds). Called before the loop runs the tasks already waiting, so a
 * synchronous first task runs first: the code cache then holds what it compiled.
 */
function holdUntil(fn: () => void, state: WorkerGlobalState): void {
  const done = new Promise<void>((resolve) =>
    setTimeout(() => {
      fn();
      resolve();
    }, 0),
  );
  state.holds.add(done);
  void done.then(() => state.holds.delete(done));
}

function start(): void {
  const state = workerGlobalState();
  if (bootInit === undefined || state === undefined) {
    throw new Error(
      'sabkit pool worker entry: loaded outside a pool (no start-up record); it is started by new Piscina() only',
    );
  }
  const init = bootInit;
  useMainEpoch(init.epochOffset); // before anything reads the clock
  if (init.niceIncrement > 0) applyNice(init.niceIncrement);
  const ch = new WorkerChannel(init.channel, init.pool);
  const loop = new TaskLoop(ch, state);
  // Named imports, not the namespace: the bundle then leaves out what the worker never calls
  // (deserialising errors, and with it atomics-sync's error classes).
  bindCodec({ encode, encodeInto, tryEncodeInto, decode, lastDecodeMayRevive });
  bindSync({ revive, isSharedDescriptor, serializeError });
  setKindLoader(loadKinds);
  const defaultFn = init.filename === null ? undefined : loop.define(0, init.filename, init.name);
  void Promise.all([takePort(), defaultFn]).then(([port]) => {
    ch.port = port;
    Atomics.store(ch.i32, STATE, STATE_READY);
    parentPort!.postMessage({ [READY_MESSAGE]: true });
    if (init.produceCodeCache) holdUntil(sendCodeCache, state);
    const save = workerLaunch()?.saveDiskCache;
    if (save !== undefined) holdUntil(save, state);
    loop.run();
  });
}

start();
