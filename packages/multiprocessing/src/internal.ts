/**
 * `@sabkit/multiprocessing/internal`: the seam @sabkit/cluster builds on. UNSTABLE: not part of the
 * public API, may change in any release, and not for use outside sabkit's own packages.
 *
 * The cluster's ClusterPool checks inline functions with the same closure rule as the local Pool
 * (one checker, not a copy), its workers load tasks as the local Pool's workers do, and its imap
 * iterators are the local Pool's bounded iterators over another way of submitting a chunk.
 */
export { taskSpec, loadTask, explainInlineError, type TaskSpec } from './tasks/inline.js';
export { ChunkedResultIterator, type SubmitChunk } from './pool/pool-iter.js';
export { checkCallbacks, settleWithin } from './pool/async-result.js';
export { checkPositiveInt, isAsyncIterable, isIterable } from './pool/chunks.js';
