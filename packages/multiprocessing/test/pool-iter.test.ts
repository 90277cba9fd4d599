// The imap / imapUnordered iterator on its own, with a fake submit whose chunks complete after
// seeded random delays: order, completeness, the in-flight bound, input errors, early exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedResultIterator } from '../src/pool/pool-iter.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A submit that squares items after a random 0-3 ms, tracking chunks in flight. */
function fakeSubmit(seed: number, failOn?: number) {
  const rand = mulberry32(seed);
  const stats = { inFlight: 0, maxInFlight: 0, chunks: 0 };
  const submit = (items: unknown[]): Promise<unknown[]> => {
    stats.chunks++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    return new Promise((resolve, reject) =>
      setTimeout(
        () => {
          stats.inFlight--;
          if (failOn !== undefined && items.includes(failOn)) reject(new RangeError(`task failed on ${failOn}`));
          else resolve(items.map((x) => (x as number) * (x as number)));
        },
        Math.floor(rand() * 4),
      ),
    );
  };
  return { submit, stats };
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

test('imap yields every result in input order; imapUnordered yields every result once', {
  timeout: 20_000,
}, async () => {
  for (const [seed, n, chunksize, bound] of [
    [1, 500, 1, 4],
    [2, 1000, 7, 3],
    [3, 37, 50, 2],
    [4, 0, 3, 2],
  ] as const) {
    const f = fakeSubmit(seed);
    const out: number[] = [];
    for await (const v of new ChunkedResultIterator<number>(f.submit, range(n), chunksize, bound, true)) out.push(v);
    assert.deepEqual(
      out,
      [...range(n)].map((x) => x * x),
    );
    // "in flight" counts chunks submitted and not yet consumed, so the running ones are fewer.
    assert.ok(f.stats.maxInFlight <= bound, `at most ${bound} chunks at once, saw ${f.stats.maxInFlight}`);

    const u = fakeSubmit(seed + 100);
    const got: number[] = [];
    for await (const v of new ChunkedResultIterator<number>(u.submit, range(n), chunksize, bound, false)) got.push(v);
    assert.deepEqual(
      got.sort((a, b) => a - b),
      [...range(n)].map((x) => x * x),
    );
    assert.ok(u.stats.maxInFlight <= bound);
  }
});

test('an endless async input streams with a bounded read-ahead, and an early break stops it', {
  timeout: 20_000,
}, async () => {
  let produced = 0;
  let closed = false;
  async function* endless(): AsyncGenerator<number> {
    try {
      for (let i = 0; ; i++) {
        produced++;
        yield i;
      }
    } finally {
      closed = true;
    }
  }
  const f = fakeSubmit(9);
  const out: number[] = [];
  for await (const v of new ChunkedResultIterator<number>(f.submit, endless(), 5, 4, true)) {
    out.push(v);
    if (out.length === 200) break;
  }
  assert.deepEqual(
    out,
    [...range(200)].map((x) => x * x),
  );
  // Read-ahead: at most 4 chunks of 5 beyond what was consumed (plus the chunk being consumed).
  assert.ok(produced <= 200 + 5 * 5, `read ${produced} items for 200 results`);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closed, true, 'the input was closed when the consumer stopped');
});

test('an error raised by the input surfaces after the results of the complete chunks before it', {
  timeout: 20_000,
}, async () => {
  for (const ordered of [true, false]) {
    for (const chunksize of [1, 3, 10]) {
      function* failing(): Generator<number> {
        for (let i = 0; i < 17; i++) yield i;
        throw new SyntaxError('input broke after 17 items');
      }
      const f = fakeSubmit(chunksize);
      const out: number[] = [];
      await assert.rejects(
        async () => {
          for await (const v of new ChunkedResultIterator<number>(f.submit, failing(), chunksize, 3, ordered))
            out.push(v);
        },
        { name: 'SyntaxError', message: 'input broke after 17 items' },
      );
      // The chunk the input failed in is never submitted (CPython's feeder): 17 items in chunks
      // of 3 run the 5 complete chunks, 15 items; in chunks of 10, one chunk.
      const complete = Math.floor(17 / chunksize) * chunksize;
      assert.deepEqual(
        ordered ? out : out.sort((a, b) => a - b),
        [...range(complete)].map((x) => x * x),
        `ordered=${ordered} chunksize=${chunksize}`,
      );
    }
  }
});

test('a task error surfaces at its place (imap) and ends the iteration', { timeout: 20_000 }, async () => {
  const f = fakeSubmit(5, 12);
  const out: number[] = [];
  const it = new ChunkedResultIterator<number>(f.submit, range(40), 4, 3, true);
  await assert.rejects(
    async () => {
      for await (const v of it) out.push(v);
    },
    { name: 'RangeError', message: 'task failed on 12' },
  );
  assert.deepEqual(
    out,
    [...range(12)].map((x) => x * x),
  );
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});

test('concurrent next() calls are served in order; flush() reads the rest at once', { timeout: 20_000 }, async () => {
  const f = fakeSubmit(6);
  const it = new ChunkedResultIterator<number>(f.submit, range(30), 2, 1, true);
  const first = await Promise.all([it.next(), it.next(), it.next()]);
  assert.deepEqual(
    first.map((r) => r.value),
    [0, 1, 4],
  );
  it.flush();
  await it.fed;
  assert.equal(f.stats.chunks, 15, 'after flush every chunk was submitted without a consumer');
  const rest: number[] = [];
  for await (const v of it) rest.push(v);
  assert.deepEqual(
    rest,
    [...range(30)].slice(3).map((x) => x * x),
  );
});
