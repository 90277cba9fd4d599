/** node:fs for the browser build: no file system. Only the worker-file checks for file: URLs call it. */
export function existsSync(_path: unknown): boolean {
  return false;
}

export function readlinkSync(_path: unknown): string {
  throw new Error('no file system in a browser');
}

export default { existsSync, readlinkSync };
