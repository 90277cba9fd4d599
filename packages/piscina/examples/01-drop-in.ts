// piscina's README example, unchanged but for the import: `@sabkit/piscina` is a drop-in for npm's
// `piscina`. Tasks and results travel through shared-memory rings instead of postMessage.
// Prints:
//   10
//   [ 3, 7, 11, 15 ]
//   progress: 3 2 1 -> liftoff
//   cancelled: AbortError
import { Piscina } from '../src/index.js';

const pool = new Piscina({ filename: new URL('./workers/add.js', import.meta.url).href, maxThreads: 2 });

console.log(await pool.run({ a: 4, b: 6 }));
console.log(await Promise.all([1, 3, 5, 7].map((a) => pool.run({ a, b: a + 1 }))));

const steps: unknown[] = [];
const done = await pool.run(3, { name: 'countdown', onProgress: (v: unknown) => steps.push(v) });
console.log(`progress: ${steps.join(' ')} -> ${done}`);

const ac = new AbortController();
ac.abort();
const outcome = await pool.run({ a: 1, b: 2 }, { signal: ac.signal }).catch((e: Error) => e.name);
console.log(`cancelled: ${outcome}`);

await pool.destroy();
