/**
 * The manager on a thread that may not block (a browser's page): its synchronous calls are refused
 * with the `…Async` form named (docs/conventions.md), and a server thread that failed to start is
 * named in the error of the first call that finds the channel closed.
 */
import { BlockingNotAllowedError, canBlock } from '@sabkit/atomics-sync';
import { ManagerConnectionError, ManagerStartError } from './manager-errors.js';

/** Throws BlockingNotAllowedError: `what` waits for the server, use `alternative`. */
export function refuseBlocking(what: string, alternative: string): never {
  throw new BlockingNotAllowedError(
    `${what} waits for the manager's server, and this thread may not block (a browser's page); ` +
      `use ${alternative} instead`,
  );
}

/** For ChannelClient.call: refuses a synchronous request where this thread may not block. */
export function assertCallCanBlock(name: string): void {
  if (canBlock) return;
  if (name === '') refuseBlocking('Manager: a synchronous request', 'its …Async form (numberOfObjectsAsync())');
  refuseBlocking(`Manager: a proxy's ${name}()`, `${name}Async() or callMethodAsync('${name}', args)`);
}

/** `e`, or, when the channel is closed because the server's thread failed (`failure`), the reason. */
export function explainFailure(e: unknown, failure: Error | undefined): unknown {
  if (failure === undefined || !(e instanceof ManagerConnectionError)) return e;
  return new ManagerStartError(`Manager: its server's thread failed: ${failure.message}`, { cause: failure });
}
