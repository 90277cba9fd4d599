/**
 * The cluster's own errors. A task's error is not one of them: it arrives with its own class,
 * message, stack and code (atomics-sync's error transport, over JSON instead of structured clone).
 */
import { SabkitError, registerErrorClass } from '@sabkit/atomics-sync';

/**
 * A job whose HMAC did not verify with the worker's key (or that had none while the worker has a
 * key). The worker refuses to run it, logs it, and the job fails without retries.
 */
export class SignatureError extends SabkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SABKIT_SIGNATURE', message, options);
  }
}

/**
 * A chunk that BullMQ failed for a reason of its own (stalled more often than allowed, a job
 * removed from under its caller, a worker that refused it): its message says which.
 */
export class JobFailedError extends SabkitError {
  readonly jobId: string;
  constructor(message: string, jobId: string, options?: { cause?: unknown }) {
    super('ERR_SABKIT_JOB_FAILED', message, options);
    this.jobId = jobId;
  }
}

// Errors made in a worker process cross as records and are rebuilt by class name on the caller.
registerErrorClass(SignatureError);
registerErrorClass(JobFailedError);
