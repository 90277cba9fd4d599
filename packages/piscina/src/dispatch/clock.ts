/**
 * This thread's performance.timeOrigin, read once. Why: Node's getter calls into C++ on every read
 * (~0.3 µs here); it showed in profiles of short tasks, where each side read it once per task.
 * The origin of a thread never changes.
 */
export const TIME_ORIGIN = performance.timeOrigin;
