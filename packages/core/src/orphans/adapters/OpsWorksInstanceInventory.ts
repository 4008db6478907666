import { DescribeInstancesCommand, DescribeStacksCommand, type OpsWorksClient } from "@aws-sdk/client-opsworks";
import { OpsWorksInstances } from "../../leases/blueprints/OpsWorksInstances.js";
import type { CloudResource, Inventory, RemoveOutcome } from "../Inventory.js";

/**
 * OpsWorks instances, named by hostname. Removal stops the instance and deletes it once
 * stopped; while it is still stopping the outcome is "pending" and a later pass deletes it.
 */
export class OpsWorksInstanceInventory implements Inventory {
  readonly kind = "instance";
  private readonly teardown: OpsWorksInstances;

  /** `stackIds`: only these stacks (the stage's, as its IAM policy allows); default every stack. */
  constructor(
    private readonly client: OpsWorksClient,
    private readonly stackIds?: readonly string[],
  ) {
    this.teardown = new OpsWorksInstances(client);
  }

  /** DescribeStacks and DescribeInstances return everything in one answer: neither paginates in AWS. */
  async list(): Promise<CloudResource[]> {
    const stacks = await this.client.send(new DescribeStacksCommand(this.stackIds ? { StackIds: [...this.stackIds] } : {}));
    const resources: CloudResource[] = [];
    for (const stack of stacks.Stacks ?? []) {
      const out = await this.client.send(new DescribeInstancesCommand({ StackId: stack.StackId }));
      for (const instance of out.Instances ?? []) {
        if (instance.Hostname && instance.InstanceId) resources.push({ kind: this.kind, name: instance.Hostname, id: instance.InstanceId });
      }
    }
    return resources;
  }

  async remove(resource: CloudResource): Promise<RemoveOutcome> {
    const status = await this.teardown.status(resource.id);
    if (status === undefined) return "already-gone";
    if (status !== "stopped") {
      if (status !== "stopping") await this.teardown.stop(resource.id);
      return "pending";
    }
    return (await this.teardown.delete(resource.id)) === "deleted" ? "removed" : "already-gone";
  }
}
