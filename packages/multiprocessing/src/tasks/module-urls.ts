/**
 * Which URL strings name a task module: file: and data: URLs everywhere a worker import()s them.
 * The browser build puts module-urls.browser.ts in this module's place.
 */
export const MODULE_URL = /^(file|data):/;
/** What the error for another string says a task module must be. */
export const MODULE_URL_RULE = 'an absolute path or a file URL';
