import { systemClock, type Clock } from "../../clock.js";
import { CloudError } from "../../errors.js";
import type { InstanceTeardown } from "../../ports/InstanceTeardown.js";
import type { Blueprint, DestroyResult, ExpiryTarget } from "../Blueprint.js";
import { PermanentDestroyError, TransientDestroyError } from "../errors.js";
import type { ResourceRecord } from "../../registry/records.js";
import { protectedUntilVeto } from "./protection.js";
import { teardownAttributes } from "./attributeRules.js";

export interface OpsWorksInstanceBlueprintOptions {
  readonly instances: InstanceTeardown;
  readonly clock?: Clock;
  readonly vetoExpiry?: (target: ExpiryTarget) => Promise<string | undefined>;
  /** How soon to look again while the instance stops (ms, default 5 s). */
  readonly stopPollMs?: number;
}

/**
 * Tears down an OpsWorks instance (attribute `instanceId`): stop it, and once stopped,
 * delete it. Stopping takes time, so a teardown that finds the instance still running
 * or stopping asks to be retried; a missing instance is already gone.
 */
export class OpsWorksInstanceBlueprint implements Blueprint {
  readonly name = "opsworks-instance";
  readonly attributes = { instanceId: teardownAttributes.opsworksInstanceId };
  readonly vetoExpiry: (target: ExpiryTarget) => Promise<string | undefined>;

  constructor(private readonly options: OpsWorksInstanceBlueprintOptions) {
    this.vetoExpiry = options.vetoExpiry ?? protectedUntilVeto(options.clock ?? systemClock);
  }

  async destroy(resource: ResourceRecord): Promise<DestroyResult> {
    const instanceId = resource.attributes.instanceId;
    if (!instanceId) throw new PermanentDestroyError(`resource ${resource.id} has no instanceId attribute`);
    const { instances } = this.options;
    const status = await asDestroyError(instances.status(instanceId));
    if (status === undefined) return "already-gone";
    if (status !== "stopped") {
      if (status !== "stopping") await asDestroyError(instances.stop(instanceId));
      throw new TransientDestroyError(`instance ${instanceId} is ${status === "stopping" ? "stopping" : "being stopped"}`, {
        retryAfterMs: this.options.stopPollMs ?? 5_000,
      });
    }
    return (await asDestroyError(instances.delete(instanceId))) === "deleted" ? "destroyed" : "already-gone";
  }
}

/** A cloud failure the worker can retry is temporary; any other (a refused request) is permanent. */
export async function asDestroyError<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (!(error instanceof CloudError)) throw error;
    if (error.retryable) throw new TransientDestroyError(error.message, { cause: error });
    throw new PermanentDestroyError(error.message, { cause: error });
  }
}
