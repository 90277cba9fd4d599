/**
 * Deep equality strict enough to compare a codec round trip with structuredClone: same types and
 * prototypes, Object.is for primitives (so -0 ≠ 0, NaN = NaN), the same own keys in the same order
 * (so undefined ≠ a missing key), holes ≠ undefined, typed arrays with the same bytes, byteOffset
 * and buffer length, and the same sharing: two paths to one object in `a` are one object in `b`
 * (a bijection between the two graphs, so cycles compare too). Returns the path of the first
 * difference, or undefined.
 */
export function cloneDiff(a: unknown, b: unknown): string | undefined {
  const ab = new Map<unknown, unknown>();
  const ba = new Map<unknown, unknown>();
  const walk = (x: unknown, y: unknown, path: string): string | undefined => {
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) {
      return Object.is(x, y) ? undefined : `${path}: ${String(x)} vs ${String(y)}`;
    }
    if (ab.has(x) || ba.has(y)) return ab.get(x) === y && ba.get(y) === x ? undefined : `${path}: sharing differs`;
    ab.set(x, y);
    ba.set(y, x);
    if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return `${path}: prototypes differ`;
    const tag = Object.prototype.toString.call(x);
    if (tag !== Object.prototype.toString.call(y)) return `${path}: ${tag} vs ${Object.prototype.toString.call(y)}`;
    if (x instanceof Date) return Object.is(x.getTime(), (y as Date).getTime()) ? undefined : `${path}: dates`;
    if (x instanceof RegExp) {
      const r = y as RegExp;
      return x.source === r.source && x.flags === r.flags && r.lastIndex === 0 ? undefined : `${path}: regexps`;
    }
    if (x instanceof ArrayBuffer) return sameBytes(new Uint8Array(x), new Uint8Array(y as ArrayBuffer), path);
    if (ArrayBuffer.isView(x)) {
      const v = y as ArrayBufferView;
      if (x.byteOffset !== v.byteOffset || x.byteLength !== v.byteLength) return `${path}: view geometry`;
      return walk(x.buffer, v.buffer, `${path}.buffer`);
    }
    if (x instanceof Map) {
      const m = y as Map<unknown, unknown>;
      if (x.size !== m.size) return `${path}: map sizes`;
      const xe = [...x];
      const ye = [...m];
      for (let i = 0; i < xe.length; i++) {
        const d = walk(xe[i][0], ye[i][0], `${path}<key ${i}>`) ?? walk(xe[i][1], ye[i][1], `${path}<value ${i}>`);
        if (d) return d;
      }
      return undefined;
    }
    if (x instanceof Set) {
      const xs = [...x];
      const ys = [...(y as Set<unknown>)];
      if (xs.length !== ys.length) return `${path}: set sizes`;
      for (let i = 0; i < xs.length; i++) {
        const d = walk(xs[i], ys[i], `${path}<${i}>`);
        if (d) return d;
      }
      return undefined;
    }
    if (x instanceof Number || x instanceof String || x instanceof Boolean || x instanceof BigInt) {
      return Object.is(x.valueOf(), (y as object).valueOf()) ? undefined : `${path}: boxed values`;
    }
    if (x instanceof Error) {
      const e = y as Error;
      return x.message === e.message && x.name === e.name ? undefined : `${path}: errors`;
    }
    if (Array.isArray(x) && (x as unknown[]).length !== (y as unknown[]).length) return `${path}: array lengths`;
    const xk = Reflect.ownKeys(x);
    const yk = Reflect.ownKeys(y);
    if (xk.join('\u0000') !== yk.join('\u0000')) return `${path}: keys [${xk.join()}] vs [${yk.join()}]`;
    for (const k of xk) {
      const dx = Object.getOwnPropertyDescriptor(x, k)!;
      const dy = Object.getOwnPropertyDescriptor(y, k)!;
      if (!('value' in dy) || dx.enumerable !== dy.enumerable) return `${path}.${String(k)}: descriptor`;
      const d = walk((x as Record<PropertyKey, unknown>)[k], dy.value, `${path}.${String(k)}`);
      if (d) return d;
    }
    return undefined;
  };
  return walk(a, b, '$');
}

function sameBytes(x: Uint8Array, y: Uint8Array, path: string): string | undefined {
  if (x.byteLength !== y.byteLength) return `${path}: buffer lengths ${x.byteLength} vs ${y.byteLength}`;
  for (let i = 0; i < x.byteLength; i++) if (x[i] !== y[i]) return `${path}: byte ${i}`;
  return undefined;
}
