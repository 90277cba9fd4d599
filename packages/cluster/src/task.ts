// `@sabkit/cluster/task`: what a task module imports (reportProgress) without loading the
// caller's side (BullMQ, ioredis) into every pool thread. This file only re-exports.
export { reportProgress } from './task/progress.js';
