import type { EC2Client } from "@aws-sdk/client-ec2";
import type { CloudResource, Inventory, RemoveOutcome } from "../../orphans/Inventory.js";
import { namePrefix } from "../../orphans/naming.js";
import { Ec2Instances } from "./Ec2Instances.js";

/** States in which an instance is on its way out or gone: nothing left to do. */
export const goneStates: ReadonlySet<string> = new Set(["shutting-down", "terminated"]);

/**
 * The orphan sweep's Inventory of EC2 instances, named by their `Name` tag (listed with an
 * EC2 filter on Scythe's prefix; the sweep checks each name against the scheme itself),
 * removed by instance id. Termination cannot be undone once EC2 accepts it, so an accepted
 * TerminateInstances is "removed"; an instance already shutting down, terminated, or
 * unknown to EC2 (InvalidInstanceID.NotFound) is "already-gone".
 */
export class Ec2InstanceInventory implements Inventory {
  readonly kind = "ec2Instance";
  private readonly ec2: Ec2Instances;

  constructor(client: EC2Client) {
    this.ec2 = new Ec2Instances(client);
  }

  async list(): Promise<CloudResource[]> {
    const instances = await this.ec2.namedLike(namePrefix);
    return instances.flatMap((i) => (i.name !== undefined && !goneStates.has(i.state) ? [{ kind: this.kind, name: i.name, id: i.instanceId }] : []));
  }

  async remove(resource: CloudResource): Promise<RemoveOutcome> {
    const state = await this.ec2.state(resource.id);
    if (state === undefined || goneStates.has(state)) return "already-gone";
    return (await this.ec2.terminate(resource.id)) === "terminating" ? "removed" : "already-gone";
  }
}
