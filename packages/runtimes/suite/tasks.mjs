// Module tasks of the cross-runtime suite (Piscina's filename, Pool's module tasks).
export default function echo(x) {
  return x;
}
export function square(x) {
  return x * x;
}
export function fail(message) {
  throw new TypeError(message);
}
