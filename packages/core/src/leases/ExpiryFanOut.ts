import type { DueWork } from "./ExpirySweep.js";

/**
 * Hands expiry work to other invocations (an SQS queue whose Lambda consumer runs
 * `ExpirySweep.expire` on each batch). Returns the work it could not hand over.
 */
export interface ExpiryFanOut {
  send(work: readonly DueWork[]): Promise<readonly DueWork[]>;
}
