import { systemClock, type Clock } from "../../clock.js";
import { LockService, type Lease } from "../../lock/LockService.js";
import type { LockStore } from "../../lock/LockStore.js";
import type { Fence } from "../../lock/fence.js";
import type { LoadBalancerClaims } from "../../aws/dynamo/LoadBalancerClaims.js";
import type { DeployJournal } from "../DeployJournal.js";
import { DeployStoppedError } from "../errors.js";
import type { DeployConfig } from "../input.js";
import type { DeployTarget, LoadBalancers } from "../ports.js";
import type { DeployLock } from "../state.js";
import type { TaskCallbacks, TaskWaits } from "../taskWaits.js";

/** What the deploy steps drive: built once per cold start by the handlers, or by tests. */
export interface DeployServices {
  readonly target: DeployTarget;
  readonly loadBalancers: LoadBalancers;
  readonly journal: DeployJournal;
  readonly lockStore: LockStore;
  /** Per-load-balancer ledgers of instances taken out, shared by every deploy. */
  readonly claims: LoadBalancerClaims;
  /** Task tokens awaiting events (deployments), and Step Functions' callbacks to complete them. */
  readonly waits: TaskWaits;
  readonly callbacks: TaskCallbacks;
  readonly clock?: Clock;
}

/**
 * One task's view of the running deploy: its lock (owned by the execution, not the
 * Lambda), the fence for its writes, and the checks every task makes before acting.
 */
export class DeploySession {
  readonly clock: Clock;
  readonly locks: LockService;
  readonly fence: Fence;

  constructor(
    readonly services: DeployServices,
    readonly config: DeployConfig,
    readonly lock: DeployLock,
  ) {
    this.clock = services.clock ?? systemClock;
    this.locks = new LockService({ store: services.lockStore, clock: this.clock, ownerId: config.executionId });
    this.fence = { lock: lock.name, token: lock.token };
  }

  get lease(): Lease {
    return { name: this.lock.name, owner: this.lock.owner, token: this.lock.token, leaseMs: this.lock.leaseMs, validUntil: 0 };
  }

  /** Renews the lease; a lost lock raises LockLostError and the execution recovers and fails. */
  async heartbeat(): Promise<void> {
    await this.locks.extend(this.lease);
  }

  /** Refuses to act once a cleanup has begun (the execution was stopped while this task ran). */
  async ensureRunning(): Promise<void> {
    const summary = await this.services.journal.summary(this.config.executionId);
    if (summary?.status !== "running") throw new DeployStoppedError(this.config.executionId, summary?.status ?? "unknown");
  }

  now(): number {
    return this.clock.now();
  }
}
