// The network-manager tests' server: fixtures/manager-net-server.ts in a process of its own, as a
// server on another machine would be. Shared by manager-net.test.ts and manager-async.test.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./fixtures/manager-net-server.js', import.meta.url));
/** The authkey the server script is started with. */
export const KEY = 'test-key';

/** Starts the server script; resolves with its process and the port it listens on. */
export async function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SERVER, KEY], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  for await (const chunk of child.stdout as NodeJS.ReadableStream) {
    out += String(chunk);
    if (out.includes('\n')) break;
  }
  const { port } = JSON.parse(out.split('\n')[0] as string) as { port: number };
  return { child, port };
}
