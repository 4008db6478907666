import type { DueWork } from "./ExpirySweep.js";

/**
 * Hands expiry work to other invocations (an SQS queue whose Lambda consumer runs
 * `ExpirySweep.expire` on each batch). Returns the work it could not hand over.
 */
export interface ExpiryFanOut {
  send(work: readonly DueWork[]): Promise<readonly DueWork[]>;
}

/** What a sweep knows when it decides how much more to do itself. */
export interface InlineShareInput {
  /** Work not done yet. */
  readonly pending: number;
  /** Work this invocation has done so far, and the time it took (ms). */
  readonly done: number;
  readonly elapsedMs: number;
  /** Time this invocation has left (Lambda's getRemainingTimeInMillis), less what it keeps for the end. */
  readonly budgetMs: number;
  /** Floor: work done here before deciding (it measures the pace); also, this little is never sent. */
  readonly minInline: number;
  /** Ceiling: the most one invocation does itself, however much time it has. */
  readonly maxInline: number;
}

/**
 * How much more of the pending work this invocation should do itself; the rest is fanned
 * out. Before anything is done: the floor (the first `minInline` measure the per-lease
 * cost). After that: as many as fit in the budget at the pace so far, never past the
 * ceiling in total.
 */
export function inlineShare(input: InlineShareInput): number {
  const { pending, done, elapsedMs, budgetMs, minInline, maxInline } = input;
  const room = Math.max(0, Math.min(pending, maxInline - done));
  if (done === 0) return Math.min(room, Math.max(0, minInline));
  const perItemMs = Math.max(elapsedMs, 1) / done;
  const fits = Math.floor(Math.max(0, budgetMs) / perItemMs);
  return Math.min(room, fits);
}
