/**
 * imap's iterator with the call's AbortSignal: on abort, the pending and later next() calls
 * reject with signal.reason, the input is closed, and the chunks still waiting are withdrawn.
 * Leaving a `for await` early (return()) withdraws them too.
 */
import type { ChunkedResultIterator } from '@sabkit/multiprocessing/internal';
import type { Call } from './call.js';

export function guardIterator<R>(
  it: ChunkedResultIterator<R>,
  call: Call,
  signal: AbortSignal | undefined,
): AsyncIterableIterator<R> {
  let aborted: Promise<never> | undefined;
  const onAbort = () => {
    call.end(signal!.reason);
    void it.return();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const abortedP = (s: AbortSignal): Promise<never> => {
    if (!aborted) {
      aborted = new Promise<never>((_, reject) => {
        const fire = () => reject(s.reason);
        if (s.aborted) fire();
        else s.addEventListener('abort', fire, { once: true });
      });
      aborted.catch(() => {});
    }
    return aborted;
  };
  const guarded: AsyncIterableIterator<R> = {
    [Symbol.asyncIterator]() {
      return guarded;
    },
    async next() {
      if (!signal) return it.next();
      if (signal.aborted) throw signal.reason;
      const r = await Promise.race([it.next(), abortedP(signal)]);
      if (r.done) signal.removeEventListener('abort', onAbort);
      return r;
    },
    async return() {
      signal?.removeEventListener('abort', onAbort);
      call.end(new Error('imap: the iterator was closed'));
      return it.return();
    },
  };
  return guarded;
}
