import { systemClock, type Clock } from "../../clock.js";
import { LockService, type Lease } from "../../lock/LockService.js";
import type { LockStore } from "../../lock/LockStore.js";
import type { Fence } from "../../lock/fence.js";
import type { LoadBalancerClaims } from "../../aws/dynamo/LoadBalancerClaims.js";
import type { DeployJournal } from "../DeployJournal.js";
import { DeployStoppedError } from "../errors.js";
import type { DeployConfig, Ec2Target } from "../input.js";
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
  /** An EC2 rollout's target and load balancers (SSM, ELBv2 target groups), built for its config's `ec2`. */
  readonly ec2?: (target: Ec2Target) => Pick<DeployServices, "target" | "loadBalancers">;
}

/** The services a rollout drives: for an `ec2` config, the EC2 target and its target groups in place of the defaults. */
export function servicesFor<S extends Pick<DeployServices, "target" | "ec2">>(services: S, config: Pick<DeployConfig, "ec2">): S {
  if (!config.ec2) return services;
  if (!services.ec2) throw new RangeError("an EC2 rollout needs services with an `ec2` target builder");
  return { ...services, ...services.ec2(config.ec2) };
}

/**
 * One task's view of the running deploy: its lock (owned by the execution, not the
 * Lambda), the fence for its writes, and the checks every task makes before acting.
 */
export class DeploySession {
  readonly clock: Clock;
  readonly locks: LockService;
  readonly fence: Fence;

  readonly services: DeployServices;

  constructor(
    services: DeployServices,
    readonly config: DeployConfig,
    readonly lock: DeployLock,
  ) {
    this.services = servicesFor(services, config);
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

  /**
   * Both checks a task makes before it acts, at once (one round trip, not two): the lease
   * renewed, and no cleanup begun. A lost lock is reported before a stopped execution.
   */
  async checkIn(): Promise<void> {
    const [renewed, running] = await Promise.allSettled([this.heartbeat(), this.ensureRunning()]);
    if (renewed.status === "rejected") throw renewed.reason;
    if (running.status === "rejected") throw running.reason;
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
