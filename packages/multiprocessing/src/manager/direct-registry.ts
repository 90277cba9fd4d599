/**
 * Which managers have a direct connection (direct.ts) open in this thread, keyed by their channel.
 * Apart from direct.ts so that a proxy revived in a worker does not load the network code.
 */

/** What a proxy's `…Async` method needs of a direct connection. */
export interface DirectCaller {
  call(
    op: number,
    id: number,
    name: string,
    args: readonly unknown[],
    deadline?: number,
    onTimeout?: () => Error,
  ): Promise<unknown>;
}

const directs = new WeakMap<SharedArrayBuffer, DirectCaller>();

/** The direct connection of the manager whose channel is `buffer`, if this thread has one open. */
export function directFor(buffer: SharedArrayBuffer): DirectCaller | undefined {
  return directs.get(buffer);
}

export function setDirect(buffer: SharedArrayBuffer, d: DirectCaller | undefined): void {
  if (d) directs.set(buffer, d);
  else directs.delete(buffer);
}
