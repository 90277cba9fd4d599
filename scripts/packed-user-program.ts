// A user's program against the installed tarballs (scripts/check-packages.mjs compiles it with
// `strict` in an empty project beside task-typed.mjs and its declarations, then runs it). It uses
// every package through its published types; the check also compiles it with one type changed
// ('const sum: number' -> 'const sum: string') and expects TS2322, so this compile proves something.
import { Piscina } from '@sabkit/piscina';
import { Pool, Queue, Value, type AsyncResult } from '@sabkit/multiprocessing';
import { Lock, Event } from '@sabkit/atomics-sync';
import { decode, encode } from '@sabkit/atomics-sync/core';
import { struct, string } from '@sabkit/typed-struct';

const pool = new Piscina<typeof import('./task-typed.mjs')>({
  filename: new URL('./task-typed.mjs', import.meta.url),
  maxThreads: 2,
});
const sum: number = await pool.run({ a: 4, b: 6 });
const doubled: number = await pool.run(21, { name: 'twice' });
await pool.destroy();

const lock = new Lock();
const ok: boolean = lock.acquire(0);
lock.release();
const ev = new Event();
ev.set();
const counter = new Value('i', 41);
counter.value += 1;
const q = new Queue<string>();
await q.putAsync('hello');
const got: string = await q.getAsync(1000);

{
  await using p = new Pool(2);
  const squares: number[] = await p.map((x: number) => x * x, [1, 2, 3]);
  const later: AsyncResult<number> = p.applyAsync((a: number, b: number) => a * b, [6, 7]);
  const product: number = await later.get(10_000);
  const Point = struct({ x: 'f64', y: 'f64', label: string(8) }, { name: 'Point' });
  const pt = Point.create({ x: 1, label: 'a' });
  pt.y = pt.x + 1;
  const bytes = encode({ sum, doubled, ok, got, squares, product, n: counter.value, y: pt.y, set: ev.isSet() });
  console.log('typed ok', JSON.stringify(decode(bytes, 0, bytes.byteLength)));
}
