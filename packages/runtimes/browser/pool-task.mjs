// The browser pool suite's task module (no imports: served as it is, a URL the pool's workers import).
export default function addOne(x) {
  return x + 1;
}

export function double(x) {
  return x * 2;
}

export function fail(message) {
  throw new TypeError(message);
}

export function sum(bytes) {
  let s = 0;
  for (const b of bytes) s += b;
  return s;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
}

/** A task that blocks its worker (Atomics.wait is allowed in a Web Worker). */
export function block(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return ms;
}

/** A host object: structured-cloneable, but not data the shared-memory codec writes. */
export function blob(text) {
  return new Blob([text]);
}

export function text(blob) {
  return blob.text();
}

/** Adds 1 to a sabkit Value under its lock (the Value arrives alive: the worker revives it). */
export function bump(cell) {
  cell.getLock().acquire();
  try {
    cell.value = cell.value + 1;
  } finally {
    cell.getLock().release();
  }
  return cell.value;
}

/** Fills a shared Float64Array's [from, to) with i * 2. */
export function fill({ view, from, to }) {
  for (let i = from; i < to; i++) view[i] = i * 2;
  return to - from;
}
