/**
 * The objects the tree encoder (tree-encode.ts) has begun in the value it is writing, numbered in
 * that order, for V_REF (shared and cyclic references; V8's serializer numbers them the same way).
 * A linear scan while few (the usual task argument has 1-3 objects), a Map past SEEN_LINEAR.
 * One encode at a time per thread (tree-encode.ts refuses to nest), so the state is module-wide.
 */
const SEEN_LINEAR = 16;
const seen: unknown[] = [];
let seenN = 0;
let seenMap: Map<unknown, number> | undefined;

/** The number of `o` if it was begun already, else -1. */
export function findSeen(o: unknown): number {
  if (seenMap !== undefined) return seenMap.get(o) ?? -1;
  for (let i = 0; i < seenN; i++) if (seen[i] === o) return i;
  return -1;
}

/** Numbers `o` (the next number; `undefined` reserves one, as V8 does for a shared buffer's copy). */
export function addSeen(o: unknown): void {
  if (seenMap !== undefined) {
    seenMap.set(o, seenN++);
    return;
  }
  seen[seenN++] = o;
  if (seenN > SEEN_LINEAR) {
    seenMap = new Map();
    for (let i = 0; i < seenN; i++) seenMap.set(seen[i], i);
  }
}

/** Forgets every object (keeps the array's room, drops the references). */
export function clearSeen(): void {
  for (let i = 0; i < seenN && i <= SEEN_LINEAR; i++) seen[i] = undefined;
  seenN = 0;
  seenMap = undefined;
}
