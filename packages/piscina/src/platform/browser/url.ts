/** node:url for the browser build: there are no file paths, so file: URLs cannot name a task module. */
export function fileURLToPath(url: string | URL): string {
  const u = new URL(String(url));
  if (u.protocol !== 'file:') throw new TypeError(`The URL must be of scheme file, got ${u.href}`);
  return decodeURIComponent(u.pathname);
}

export function pathToFileURL(path: string): URL {
  return new URL(path, (globalThis as { location?: { href: string } }).location?.href ?? 'http://localhost/');
}

export default { fileURLToPath, pathToFileURL };
