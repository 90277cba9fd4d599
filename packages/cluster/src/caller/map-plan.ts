/**
 * How map cuts its input for the cluster. With a chunksize, as the local Pool. Without one the
 * size is measured: a job costs a few Redis round trips (about a millisecond here), so a chunk
 * should carry much more work than that, yet be small enough that every worker gets a share and a
 * rerun after a crash stays cheap. The first chunks (PROBE_ITEMS items, one per worker slot) are
 * sent at once; when the first comes back, its measured task time per item sets the size of the
 * rest: TARGET_CHUNK_MS of work, at most ceil(n / (4 × slots)) items (Python's own default rule).
 * Results land at their input positions, so order is kept whatever order chunks finish in.
 */
import type { Call, ChunkResult } from './call.js';

/** Work per chunk aimed at: 100× the per-job overhead measured here (~1 ms). */
export const TARGET_CHUNK_MS = 100;
export const PROBE_ITEMS = 4;

export async function runMap(
  call: Call,
  items: readonly unknown[],
  chunksize: number | undefined,
  slots: () => Promise<number>,
): Promise<unknown[]> {
  const n = items.length;
  const out = new Array<unknown>(n);
  if (n === 0) return out;
  let next = 0;
  const parts: Promise<unknown>[] = [];
  const sendAll = (size: number, limit = Infinity): Promise<ChunkResult>[] => {
    const chunks: { items: unknown[]; offset: number }[] = [];
    while (next < n && chunks.length < limit) {
      chunks.push({ items: items.slice(next, next + size), offset: next });
      next += size;
    }
    const sent = call.send(chunks);
    sent.forEach((p, k) => {
      const at = chunks[k].offset;
      const placed = p.then((r) => {
        for (let i = 0; i < r.values.length; i++) out[at + i] = r.values[i];
      });
      placed.catch(() => {}); // awaited below, unless a probe's failure ends the map first
      parts.push(placed);
    });
    return sent;
  };
  if (chunksize !== undefined) sendAll(chunksize);
  else {
    const s = await slots();
    const cap = Math.max(1, Math.ceil(n / (4 * s)));
    const probeSize = Math.min(cap, PROBE_ITEMS);
    const probes = sendAll(probeSize, s);
    if (next < n) {
      // The first probe back tells the task time; a failed probe fails the map (Promise.all below).
      const first = await Promise.race(
        probes.map((p, k) => p.then((r) => ({ r, len: Math.min(probeSize, n - k * probeSize) }))),
      );
      const perItem = Math.max(first.r.ms / Math.max(1, first.len), 1e-4);
      sendAll(Math.min(cap, Math.max(1, Math.ceil(TARGET_CHUNK_MS / perItem))));
    }
  }
  await Promise.all(parts);
  return out;
}
