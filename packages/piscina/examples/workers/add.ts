// The task module of 01-drop-in.ts, as piscina's README writes it: one default export.
import { reportProgress } from '../../src/index.js';

export default ({ a, b }: { a: number; b: number }): number => a + b;

/** A named export, run with `pool.run(n, { name: 'countdown' })`; reports each step. */
export function countdown(n: number): string {
  for (let i = n; i > 0; i--) reportProgress(i);
  return 'liftoff';
}
