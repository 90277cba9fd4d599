/**
 * module-urls.ts in the browser build: a task module is a URL a module Web Worker can import()
 * (http(s), blob and data URLs; file: URLs where the page is one).
 */
export const MODULE_URL = /^(https?|blob|data|file):/;
export const MODULE_URL_RULE = 'an absolute URL (http(s), blob or data)';
