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
