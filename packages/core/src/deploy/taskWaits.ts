/**
 * Waiting on an event instead of a clock. A task of the state machine that waits for
 * something outside (an OpsWorks deployment, later an SSM command) runs as a
 * `.waitForTaskToken` task: its Lambda records the task token under the id of what it
 * waits for; a function on an EventBridge rule maps each event to an outcome and hands it
 * to the waiting task. Both sides write the same item, each with one atomic update, so
 * whichever comes second sees the other's half: an event that arrives before the token
 * is not lost, and a duplicate or late event changes nothing.
 */

/** What an event says about the thing a task waits for. */
export interface WaitOutcome {
  /** The id the waiting task recorded its token under (a deployment id, a command id). */
  readonly key: string;
  readonly status: "succeeded" | "failed";
  /** What the waiting task's state receives as its result (success) or cause (failure). */
  readonly detail: Readonly<Record<string, string | readonly string[]>>;
}

/** A waiting task's token and the outcome recorded for its key, as the store holds them after one write. */
export interface WaitRecord {
  readonly key: string;
  readonly token?: string;
  /** The execution whose task waits; another execution cannot take the key over. */
  readonly owner?: string;
  readonly outcome?: WaitOutcome;
  /** True once a callback for this record's token was sent (by whichever side). */
  readonly delivered?: boolean;
}

export interface TaskWaits extends PartWaits {
  /**
   * Records `token` as the one waiting for `key` (replacing an earlier token of the same
   * owner, as when a task waits again after a heartbeat check). Returns the record after
   * the write, outcome included when an event came first; undefined when another owner holds the key.
   */
  await(key: string, token: string, owner: string): Promise<WaitRecord | undefined>;
  /**
   * Records an event's outcome for its key, once: the first outcome stays. Returns the
   * record after the write, with `fresh` false when an outcome was already there (a duplicate).
   */
  settle(outcome: WaitOutcome): Promise<WaitRecord & { readonly fresh: boolean }>;
  /** Marks `token`'s callback as sent; false when another side sent it first (so this one must not). */
  markDelivered(key: string, token: string): Promise<boolean>;
}

/** Step Functions' callback API for task tokens. "stale": the task is no longer waiting on that token. */
export interface TaskCallbacks {
  succeed(token: string, output: unknown): Promise<"sent" | "stale">;
  fail(token: string, error: string, cause: string): Promise<"sent" | "stale">;
}

/** The error a waiting task fails with when its event says the work failed. */
export const waitFailedError = "WaitedWorkFailedError";

/** Sends the recorded outcome to the waiting token, unless someone already did. */
export async function deliver(waits: TaskWaits, callbacks: TaskCallbacks, record: WaitRecord): Promise<"sent" | "stale" | "already"> {
  const { token, outcome } = record;
  if (token === undefined || outcome === undefined) throw new RangeError("nothing to deliver: a token and an outcome are both needed");
  if (!(await waits.markDelivered(record.key, token))) return "already";
  if (outcome.status === "succeeded") return callbacks.succeed(token, { ...outcome.detail, key: outcome.key, status: outcome.status });
  const cause = JSON.stringify({ errorType: waitFailedError, errorMessage: `${outcome.key} ended ${JSON.stringify(outcome.detail)}` });
  return callbacks.fail(token, waitFailedError, cause);
}

export type EventResult = "delivered" | "duplicate" | "no task waiting yet" | "stale token" | "not an outcome";

/**
 * The event side: records the outcome, then completes the waiting task if its token is
 * already there. Safe to run twice at once or in any order with the task's own side.
 */
export async function handleWaitEvent(waits: TaskWaits, callbacks: TaskCallbacks, outcome: WaitOutcome | undefined): Promise<EventResult> {
  if (outcome === undefined) return "not an outcome";
  const record = await waits.settle(outcome);
  if (!record.fresh && record.delivered) return "duplicate";
  if (record.token === undefined) return "no task waiting yet";
  const sent = await deliver(waits, callbacks, record);
  if (sent === "already") return "duplicate";
  return sent === "sent" ? "delivered" : "stale token";
}

/** The task side: records the token; when the event came first, completes the task itself. */
export async function awaitOutcome(waits: TaskWaits, callbacks: TaskCallbacks, key: string, token: string, owner: string): Promise<"waiting" | "delivered" | "stale token"> {
  const record = await waits.await(key, token, owner);
  if (record === undefined) throw new RangeError(`${key} is awaited by another execution`);
  if (record.outcome === undefined) return "waiting";
  const sent = await deliver(waits, callbacks, record);
  return sent === "stale" ? "stale token" : sent === "already" ? "waiting" : "delivered";
}

/** The EventBridge envelope of an OpsWorks deployment state change, as a rule's Lambda target receives it. */
export interface OpsWorksDeploymentEvent {
  readonly source: string;
  readonly "detail-type": string;
  readonly detail: {
    readonly "deployment-id"?: string;
    readonly status?: string;
    readonly "instance-ids"?: readonly string[];
    readonly command?: string;
  };
}

/** Maps an OpsWorks deployment event to an outcome; a running deployment (or a foreign event) is none. */
export function opsworksDeploymentOutcome(event: OpsWorksDeploymentEvent): WaitOutcome | undefined {
  if (event.source !== "aws.opsworks" || event["detail-type"] !== "OpsWorks Deployment State Change") return undefined;
  const id = event.detail["deployment-id"];
  const status = event.detail.status;
  if (!id || (status !== "successful" && status !== "failed")) return undefined;
  return {
    key: `deployment/${id}`,
    status: status === "successful" ? "succeeded" : "failed",
    detail: { deploymentId: id, deploymentStatus: status, instanceIds: [...(event.detail["instance-ids"] ?? [])] },
  };
}

/** The key a deployment's waiting task records its token under. */
export const deploymentWaitKey = (deploymentId: string) => `deployment/${deploymentId}`;

/**
 * A wait whose outcome is made of parts, each ending on its own event: an SSM command sent
 * to a batch ends when every instance's invocation has ended, and fails at the first one that
 * did not succeed. The waiting task records its token with the parts it needs; each event
 * records one part's final status. Every write returns the whole item, so the last writer
 * (the token's, or the last part's event) sees all there is and decides.
 */
export interface PartsRecord extends WaitRecord {
  /** The parts the outcome needs (the batch's instances), once the waiting task recorded them. */
  readonly parts?: readonly string[];
  /** Final status of each part whose end was recorded (the first recorded status stays). */
  readonly ended: Readonly<Record<string, string>>;
}

/** The parts side of the store (see PartsRecord); markDelivered is shared with TaskWaits. */
export interface PartWaits {
  /** Records `token` (and the parts it waits for) under `key`; undefined when another owner holds the key. */
  awaitParts(key: string, token: string, owner: string, parts: readonly string[]): Promise<PartsRecord | undefined>;
  /** Records one part's final status, once; `fresh` false when it was already recorded (a duplicate). */
  settlePart(key: string, part: string, status: string): Promise<PartsRecord & { readonly fresh: boolean }>;
  markDelivered(key: string, token: string): Promise<boolean>;
}

/** One part's end, as an event tells it. */
export interface PartEnd {
  readonly key: string;
  readonly part: string;
  /** The part's final status; `success` says which one means it succeeded. */
  readonly status: string;
}

/** The key an SSM command's waiting task records its token under. */
export const commandWaitKey = (commandId: string) => `command/${commandId}`;

/** What the record says so far: failed at the first failed part, succeeded when all succeeded, else nothing yet. */
export function partsOutcome(record: PartsRecord, success = "Success"): WaitOutcome | undefined {
  const parts = record.parts;
  if (parts === undefined || parts.length === 0) return undefined;
  const commandId = record.key.replace(/^command\//, "");
  const failed = parts.find((p) => record.ended[p] !== undefined && record.ended[p] !== success);
  if (failed !== undefined) {
    return { key: record.key, status: "failed", detail: { commandId, instanceId: failed, invocationStatus: record.ended[failed] ?? "" } };
  }
  if (parts.every((p) => record.ended[p] === success)) return { key: record.key, status: "succeeded", detail: { commandId, instanceIds: [...parts] } };
  return undefined;
}

export type PartEventResult = EventResult | "batch still running";

/**
 * The event side for a part: records its end, then completes the waiting task when this
 * end decides the outcome (every part ended, or this one failed) and the token is there.
 */
export async function handlePartEvent(waits: TaskWaits, callbacks: TaskCallbacks, end: PartEnd | undefined): Promise<PartEventResult> {
  if (end === undefined) return "not an outcome";
  const record = await waits.settlePart(end.key, end.part, end.status);
  if (!record.fresh && record.delivered) return "duplicate";
  if (record.token === undefined) return "no task waiting yet";
  const outcome = partsOutcome(record);
  if (outcome === undefined) return "batch still running";
  const sent = await deliver(waits, callbacks, { ...record, outcome });
  if (sent === "already") return "duplicate";
  return sent === "sent" ? "delivered" : "stale token";
}

/** The task side for a wait of parts: records the token; when the ends already decide the outcome, completes the task itself. */
export async function awaitParts(
  waits: TaskWaits,
  callbacks: TaskCallbacks,
  key: string,
  token: string,
  owner: string,
  parts: readonly string[],
): Promise<"waiting" | "delivered" | "stale token"> {
  const record = await waits.awaitParts(key, token, owner, parts);
  if (record === undefined) throw new RangeError(`${key} is awaited by another execution`);
  const outcome = partsOutcome(record);
  if (outcome === undefined) return "waiting";
  const sent = await deliver(waits, callbacks, { ...record, outcome });
  return sent === "stale" ? "stale token" : sent === "already" ? "waiting" : "delivered";
}

/** The EventBridge envelope of an SSM "EC2 Command Invocation Status-change Notification". */
export interface SsmInvocationEvent {
  readonly source: string;
  readonly "detail-type": string;
  readonly detail: {
    readonly "command-id"?: string;
    readonly "instance-id"?: string;
    readonly status?: string;
  };
}

/** SSM invocation statuses that are not an end: anything else is final (Success, Failed, TimedOut, Cancelled, ...). */
export const runningInvocationStatuses: readonly string[] = ["Pending", "InProgress", "Delayed", "Cancelling"];

/** Maps an SSM invocation status event to a part's end; a running invocation (or a foreign event) is none. */
export function ssmInvocationEnd(event: SsmInvocationEvent): PartEnd | undefined {
  if (event.source !== "aws.ssm" || event["detail-type"] !== "EC2 Command Invocation Status-change Notification") return undefined;
  const commandId = event.detail["command-id"];
  const instanceId = event.detail["instance-id"];
  const status = event.detail.status;
  if (!commandId || !instanceId || !status || runningInvocationStatuses.includes(status)) return undefined;
  return { key: commandWaitKey(commandId), part: instanceId, status };
}
