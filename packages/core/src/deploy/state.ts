import * as z from "zod";
import type { DetachDecision } from "./detachPlan.js";
import { deployConfigSchema } from "./input.js";
import type { LoadBalancerTiming } from "./ports.js";

/**
 * The shapes a rollout carries between its states. Each task gets the parts it needs
 * (`$.config`, `$.lock`, `$.rollout`) and returns one of them, so a reader of the ASL
 * sees what flows where; the schemas below validate them at every handler.
 */

/** `$.lock`: the deploy lock as AcquireLock left it. */
export interface DeployLock {
  readonly acquired: boolean;
  readonly name: string;
  readonly owner: string;
  readonly token: number;
  readonly leaseMs: number;
  /** Who holds it when this execution does not. */
  readonly holder?: string;
}

export interface SkippedInstance {
  readonly instanceId: string;
  readonly hostname: string;
  readonly status: string;
  readonly reason: string;
}

/** The batch being rolled: where it is, whether its poll found it ready, until when it may take. */
export interface BatchProgress {
  readonly phase: "draining" | "deploying" | "attaching";
  readonly ready: boolean;
  /** Epoch ms after which the phase has timed out. */
  readonly deadline: number;
  readonly decisions: readonly DetachDecision[];
  readonly deploymentId?: string;
  /** Seconds the next Wait state waits (the drain timeout, a health-check backoff step). */
  readonly waitSeconds?: number;
  /** Health checks made since the batch was reattached: the backoff's exponent. */
  readonly checks?: number;
}



/**
 * `$.rollout`: the cursor. The plan (each batch's members) is in the deploy journal, keyed
 * by the execution, and each batch's task reads its own batch there: the state passed from
 * task to task, and to each run of batches, is the same size whatever the layer's (Step
 * Functions refuses more than 256 KB of it).
 */
export interface Rollout {
  /** Batches in the rollout (their members: `DeployJournal.batch`). */
  readonly batchCount: number;
  /** Online instances the batches hold. */
  readonly instanceCount: number;
  /** Instances left out (not online); listed in the journal. */
  readonly skippedCount: number;
  /** Index of the batch in progress (or next). */
  readonly index: number;
  /** True when every batch is done: the Choice states read it. */
  readonly done: boolean;
  readonly current?: BatchProgress;
  /** Load balancer name → its timing, read once per rollout (the first batch that leaves it). */
  readonly timing?: Readonly<Record<string, LoadBalancerTiming>>;
}

const decision = z.object({
  instanceId: z.string().min(1),
  endpointId: z.string().optional(),
  detachFrom: z.array(z.string()),
  keptIn: z.array(z.object({ loadBalancer: z.string(), reason: z.string() })),
});

export const deployLockSchema = z.object({
  acquired: z.boolean(),
  name: z.string().min(1),
  owner: z.string().min(1),
  token: z.number().int(),
  leaseMs: z.number().int().positive(),
  holder: z.string().optional(),
});

export const rolloutSchema = z.object({
  batchCount: z.number().int().min(0),
  instanceCount: z.number().int().min(0),
  skippedCount: z.number().int().min(0),
  index: z.number().int().min(0),
  done: z.boolean(),
  current: z
    .object({
      phase: z.enum(["draining", "deploying", "attaching"]),
      ready: z.boolean(),
      deadline: z.number(),
      decisions: z.array(decision),
      deploymentId: z.string().optional(),
      waitSeconds: z.number().int().min(0).optional(),
      checks: z.number().int().min(0).optional(),
    })
    .optional(),
  timing: z
    .record(z.string(), z.object({ drainSeconds: z.number().min(0), healthIntervalSeconds: z.number().min(0), healthyThreshold: z.number().min(0) }))
    .optional(),
});

/** Input of every task that runs under the lock. */
export const lockedTaskInput = z.object({ config: deployConfigSchema, lock: deployLockSchema });
/** Input of every task that moves the rollout on. */
export const rolloutTaskInput = lockedTaskInput.extend({ rollout: rolloutSchema });

/** The error a Catch put in the state (`$.error`), as Step Functions shapes it. */
export const caughtError = z.object({ Error: z.string(), Cause: z.string().optional() });
