import { ConflictError, ScytheError } from "../errors.js";
import type { DeploymentFailure } from "./ports.js";

/** Another deploy held the lock for longer than this one was willing to wait. */
export class DeployLockError extends ScytheError {
  constructor(
    readonly lockName: string,
    readonly holder: string,
    readonly waitedSeconds: number,
  ) {
    super(`deploy lock "${lockName}" is still held by ${holder} after waiting ${waitedSeconds} s; another deploy is running`);
  }
}

/**
 * A deployment ended in a state other than "successful". The rollout stops here. When the
 * target can tell on which instances it failed (SSM), those are the ones named, each with how.
 */
export class DeploymentFailedError extends ScytheError {
  readonly instanceIds: readonly string[];
  constructor(
    readonly deploymentId: string,
    readonly status: string,
    batch: readonly string[],
    readonly failures: readonly DeploymentFailure[] = [],
  ) {
    const instanceIds = failures.length > 0 ? failures.map((f) => f.instanceId) : batch;
    const how = failures.map((f) => `${f.instanceId}: ${f.status}${f.detail ? `, ${f.detail}` : ""}`).join("; ");
    super(`deployment ${deploymentId} on ${instanceIds.join(", ")} ended with status "${status}"${how ? ` (${how})` : ""}`);
    this.instanceIds = instanceIds;
  }
}

/** A deployment was still running when its deadline passed. The rollout stops here. */
export class DeploymentTimeoutError extends ScytheError {
  constructor(
    readonly deploymentId: string,
    readonly status: string,
    readonly timeoutSeconds: number,
  ) {
    super(`deployment ${deploymentId} is still "${status}" after ${timeoutSeconds} s (the deploy timeout)`);
  }
}

/** Instances did not leave (drain) or join (health checks) their load balancers in time. */
export class LoadBalancerTimeoutError extends ScytheError {
  constructor(
    readonly phase: "drain" | "health",
    readonly waiting: readonly string[],
    readonly timeoutSeconds: number,
  ) {
    super(
      phase === "drain"
        ? `instances still registered after ${timeoutSeconds} s of draining: ${waiting.join(", ")}`
        : `instances not InService after ${timeoutSeconds} s of health checks: ${waiting.join(", ")}`,
    );
  }
}

/** The execution is no longer running (aborted and being cleaned up); this task must not act. */
export class DeployStoppedError extends ScytheError {
  constructor(
    readonly executionId: string,
    readonly status: string,
  ) {
    super(`deploy ${executionId} is ${status}; refusing to change the fleet`);
  }
}

/**
 * A deploy that already ended was asked to begin again (a late redelivery of AcquireLock):
 * a conflict with what is recorded, which no retry can change.
 */
export class DeployEndedError extends ConflictError {
  constructor(
    readonly executionId: string,
    readonly status: string,
  ) {
    super(`deploy ${executionId} already ended (${status}); it cannot begin again`);
  }
}

/**
 * Another deploy, under another lock (another scope, or an Auto Scaling group and a tag set
 * that share instances), is deploying an instance of this batch right now. Two deploys never
 * work on one instance at once: this rollout stops here and puts back what it took out.
 */
export class InstanceBusyError extends ScytheError {
  constructor(
    readonly instances: readonly { readonly hostname: string; readonly executionId: string; readonly lock: string }[],
  ) {
    super(
      `${instances.map((i) => `${i.hostname} is being deployed by ${i.executionId} (lock ${i.lock})`).join("; ")}: two deploys never work on one instance at once; deploy again when it has finished`,
    );
  }
}

/** Other deploys kept changing the load balancer claims this batch needs; safe to retry. */
export class ClaimContendedError extends ScytheError {}

/**
 * Another delivery of the Deploy task is creating this batch's deployment (or crashed doing
 * so moments ago): retried until its deployment is recorded, or its intent goes stale.
 */
export class DeploymentPendingError extends ScytheError {}

/** How long a recorded intent to create a deployment keeps other deliveries from creating one (ms). */
export const deployIntentMs = 90_000;

/** Error names Step Functions should retry: transient by construction. */
export const retryableDeployErrors = ["ThrottledError", "CloudUnavailableError", "StorageUnavailableError", "ClaimContendedError"] as const;
