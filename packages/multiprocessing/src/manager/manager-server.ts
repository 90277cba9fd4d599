/**
 * Entry point of a manager's threads (Python's manager server process), one file so that a
 * bundler copies one: role 'server' owns the managed objects (server.ts) and, given an address,
 * listens on it; role 'link' is a client's connection to a server elsewhere (link.ts). Either
 * posts { ready: true, address } or { ready: false, error } once, then serves until shutdown.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { markThreadDead, serializeError } from '@sabkit/atomics-sync';
import { loadTask, type TaskSpec } from '../tasks/inline.js';
import { runLink, type LinkOptions } from './link.js';
import { BUILTIN_TYPES, type TypeEntry } from './object-server.js';
import { Server } from './server.js';
import type { NetServerOptions } from './net-server.js';

/** workerData of a manager thread. */
export type ManagerThreadData =
  | {
      readonly role: 'server';
      readonly buffer: SharedArrayBuffer;
      readonly types: ReadonlyArray<{ typeid: string; spec: TaskSpec; exposed?: readonly string[] }>;
      readonly listen?: NetServerOptions;
    }
  | { readonly role: 'link'; readonly buffer: SharedArrayBuffer; readonly link: LinkOptions };

const data = workerData as ManagerThreadData;
const post = (m: unknown) => parentPort?.postMessage(m);

async function main(): Promise<void> {
  if (data.role === 'link') {
    await runLink(data.buffer, data.link, (error) =>
      post(error ? { ready: false, error: serializeError(error) } : { ready: true }),
    );
    return;
  }
  let server: Server;
  try {
    const types = new Map<string, TypeEntry>(BUILTIN_TYPES);
    for (const t of data.types) {
      const callable = (await loadTask(t.spec)) as TypeEntry['callable'];
      types.set(t.typeid, { callable, ...(t.exposed ? { exposed: t.exposed } : {}) });
    }
    server = new Server(data.buffer, types, data.listen, true);
    const address = await server.listen();
    post({ ready: true, address });
  } catch (e) {
    post({ ready: false, error: serializeError(e) });
    return;
  }
  await server.serveForever();
}

main()
  .catch((e) => process.stderr.write(`Manager thread:\n${(e as Error)?.stack ?? String(e)}\n`))
  .finally(() => {
    // Waiting clients poll the liveness table: say at once that this thread is gone.
    markThreadDead(threadId);
    process.exit(0);
  });
