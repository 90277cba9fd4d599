/** node:os for the browser build: the CPU count is navigator.hardwareConcurrency; no priorities. */
export function availableParallelism(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 1;
}

export function cpus(): unknown[] {
  return new Array(availableParallelism()).fill({ model: 'unknown', speed: 0 });
}

export function getPriority(): number {
  return 0;
}

export function setPriority(): void {
  throw new Error('thread priorities (niceIncrement) are not available in a browser');
}

export default { availableParallelism, cpus, getPriority, setPriority };
