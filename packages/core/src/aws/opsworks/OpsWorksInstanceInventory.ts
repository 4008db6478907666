import type { OpsWorksClient } from "@aws-sdk/client-opsworks";
import type { CloudResource, Inventory, RemoveOutcome } from "../../orphans/Inventory.js";
import { OpsWorksStacks } from "./OpsWorksStacks.js";

/**
 * The orphan sweep's Inventory of OpsWorks instances, named by hostname, on OpsWorksStacks.
 * Removal stops the instance and deletes it once stopped; while it is still stopping the
 * outcome is "pending" and a later pass deletes it.
 */
export class OpsWorksInstanceInventory implements Inventory {
  readonly kind = "instance";
  private readonly opsworks: OpsWorksStacks;

  /** `stackIds`: only these stacks (the stage's, as its IAM policy allows); default every stack. */
  constructor(
    client: OpsWorksClient,
    private readonly stackIds?: readonly string[],
  ) {
    this.opsworks = new OpsWorksStacks(client);
  }

  async list(): Promise<CloudResource[]> {
    const instances = await this.opsworks.instancesOfStacks(this.stackIds);
    return instances.map((i) => ({ kind: this.kind, name: i.hostname, id: i.instanceId }));
  }

  async remove(resource: CloudResource): Promise<RemoveOutcome> {
    const status = await this.opsworks.status(resource.id);
    if (status === undefined) return "already-gone";
    if (status !== "stopped") {
      if (status !== "stopping") await this.opsworks.stop(resource.id);
      return "pending";
    }
    return (await this.opsworks.delete(resource.id)) === "deleted" ? "removed" : "already-gone";
  }
}
