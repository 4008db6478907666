import { goneStates } from "../../aws/ec2/Ec2InstanceInventory.js";
import type { Ec2Instances } from "../../aws/ec2/Ec2Instances.js";
import type { Elbv2Teardown } from "../../aws/elbv2/Elbv2Teardown.js";
import { systemClock, type Clock } from "../../clock.js";
import type { ResourceRecord } from "../../registry/records.js";
import type { Blueprint, DestroyResult, ExpiryTarget } from "../Blueprint.js";
import { PermanentDestroyError, TransientDestroyError } from "../errors.js";
import { asDestroyError } from "./opsworksInstanceBlueprint.js";
import { protectedUntilVeto } from "./protection.js";
import { teardownAttributes } from "./attributeRules.js";

interface Common {
  readonly clock?: Clock;
  readonly vetoExpiry?: (target: ExpiryTarget) => Promise<string | undefined>;
}

function attribute(resource: ResourceRecord, name: string): string {
  const value = resource.attributes[name];
  if (!value) throw new PermanentDestroyError(`resource ${resource.id} has no ${name} attribute`);
  return value;
}

/**
 * Tears down an EC2 instance (attribute `instanceId`) by terminating it. EC2 cannot undo an
 * accepted termination, so that is "destroyed"; an instance already shutting down,
 * terminated, or unknown to EC2 (InvalidInstanceID.NotFound, nothing else) is "already-gone".
 */
export class Ec2InstanceBlueprint implements Blueprint {
  readonly name = "ec2-instance";
  readonly attributes = { instanceId: teardownAttributes.ec2InstanceId };
  readonly vetoExpiry: (target: ExpiryTarget) => Promise<string | undefined>;

  constructor(private readonly options: Common & { readonly instances: Ec2Instances }) {
    this.vetoExpiry = options.vetoExpiry ?? protectedUntilVeto(options.clock ?? systemClock);
  }

  async destroy(resource: ResourceRecord): Promise<DestroyResult> {
    const instanceId = attribute(resource, "instanceId");
    const state = await asDestroyError(this.options.instances.state(instanceId));
    if (state === undefined || goneStates.has(state)) return "already-gone";
    return (await asDestroyError(this.options.instances.terminate(instanceId))) === "terminating" ? "destroyed" : "already-gone";
  }
}

/**
 * Tears down an ELBv2 load balancer (attribute `loadBalancerArn`) and its listeners.
 * DeleteLoadBalancer succeeds whether or not it exists, so a describe asks first: only
 * LoadBalancerNotFound is "already-gone".
 */
export class Elbv2LoadBalancerBlueprint implements Blueprint {
  readonly name = "elbv2-load-balancer";
  readonly attributes = { loadBalancerArn: teardownAttributes.elbv2LoadBalancerArn };
  readonly vetoExpiry: (target: ExpiryTarget) => Promise<string | undefined>;

  constructor(private readonly options: Common & { readonly elbv2: Elbv2Teardown }) {
    this.vetoExpiry = options.vetoExpiry ?? protectedUntilVeto(options.clock ?? systemClock);
  }

  async destroy(resource: ResourceRecord): Promise<DestroyResult> {
    const arn = attribute(resource, "loadBalancerArn");
    if (!(await asDestroyError(this.options.elbv2.loadBalancerExists(arn)))) return "already-gone";
    await asDestroyError(this.options.elbv2.deleteLoadBalancer(arn));
    return "destroyed";
  }
}

/**
 * Tears down an ELBv2 target group (attribute `targetGroupArn`). Only TargetGroupNotFound is
 * "already-gone". While a listener still forwards to it (its load balancer is being torn
 * down too, or is someone else's) the teardown is retried later (`inUseRetryMs`, default 30 s).
 */
export class TargetGroupBlueprint implements Blueprint {
  readonly name = "elbv2-target-group";
  readonly attributes = { targetGroupArn: teardownAttributes.targetGroupArn };
  readonly vetoExpiry: (target: ExpiryTarget) => Promise<string | undefined>;

  constructor(private readonly options: Common & { readonly elbv2: Elbv2Teardown; readonly inUseRetryMs?: number }) {
    this.vetoExpiry = options.vetoExpiry ?? protectedUntilVeto(options.clock ?? systemClock);
  }

  async destroy(resource: ResourceRecord): Promise<DestroyResult> {
    const arn = attribute(resource, "targetGroupArn");
    if (!(await asDestroyError(this.options.elbv2.targetGroupExists(arn)))) return "already-gone";
    if ((await asDestroyError(this.options.elbv2.deleteTargetGroup(arn))) === "in-use") {
      throw new TransientDestroyError(`target group ${arn} is still in use by a load balancer's listener`, { retryAfterMs: this.options.inUseRetryMs ?? 30_000 });
    }
    return "destroyed";
  }
}
