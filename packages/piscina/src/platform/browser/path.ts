/**
 * node:path for the browser build: a task module is named by URL there. Only a string starting
 * with '/' counts as absolute; resolve() makes a URL against the page's (or worker's) address.
 */
function base(): string {
  return (globalThis as { location?: { href: string } }).location?.href ?? 'http://localhost/';
}

export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

export function resolve(...parts: string[]): string {
  let url = base();
  for (const p of parts) url = new URL(p, url).href;
  return url;
}

export function join(...parts: string[]): string {
  return parts.join('/').replace(/\/+/g, '/');
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export default { isAbsolute, resolve, join, dirname };
