/**
 * The Transferable protocol's symbols and tests, without the validation of move() (transfer.ts):
 * the worker's task loop needs these before anything else is loaded (see dispatch/codec-link.ts
 * on why a worker's start-up imports as little as it can).
 *
 * The protocol's symbols are npm piscina's registered ones (Symbol.for('Piscina.transferable'),
 * 'Piscina.valueOf', 'Piscina.queueOptions'), so an object made Transferable, or given queue
 * options, by code written for piscina works here unchanged. The mark move() leaves is registered
 * too (piscina's is private), so that two copies of this package agree on it.
 */

/** piscina's `transferableSymbol`: a Transferable's method giving what to transfer. */
export const kTransferable: unique symbol = Symbol.for('Piscina.transferable') as never;
/** piscina's `valueSymbol`: a Transferable's method giving the value that travels. */
export const kValue: unique symbol = Symbol.for('Piscina.valueOf') as never;
/** piscina's `queueOptionsSymbol`: where a task carries options for a custom `taskQueue`. */
export const kQueueOptions: unique symbol = Symbol.for('Piscina.queueOptions') as never;
const kMovable: unique symbol = Symbol.for('sabkit.piscina.movable') as never;

/** piscina's Transferable: an object that names what to transfer and what value travels (see `move`). */
export interface Transferable {
  readonly [kTransferable]: object;
  readonly [kValue]: object;
}

/** True if `value` implements the Transferable interface. */
export function isTransferable(value: unknown): value is Transferable {
  return typeof value === 'object' && value !== null && kTransferable in value && kValue in value;
}

/** True if `value` implements Transferable and was returned by move(). */
export function isMovable(value: unknown): value is Transferable {
  return isTransferable(value) && (value as unknown as Record<symbol, unknown>)[kMovable] === true;
}

export function markMovable(value: object): void {
  Object.defineProperty(value, kMovable, { value: true, enumerable: false, configurable: true });
}

/** Splits a moved value into what to send and what to transfer; other values pass unchanged. */
export function unwrapMovable(value: unknown): { value: unknown; transfer: unknown[] | undefined } {
  if (!isMovable(value)) return { value, transfer: undefined };
  const t = (value as unknown as Record<symbol, unknown>)[kTransferable];
  return { value: (value as unknown as Record<symbol, unknown>)[kValue], transfer: Array.isArray(t) ? t : [t] };
}
