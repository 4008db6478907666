import { BadInputError, UnknownIdError, ValidationError } from "../errors.js";
import type { DeployRequest, Ec2Target } from "./input.js";
import type { DeployTarget } from "./ports.js";

/**
 * Checks a deploy's ids and batch size against the fleet before anything is locked or
 * detached: the stack exists, the layer and the app exist and belong to it, the layer has
 * online instances, and a batch is no larger than them. Each refusal names its field.
 */
export async function checkAgainstFleet(target: DeployTarget, request: Pick<DeployRequest, "stackId" | "layerId" | "appId" | "batchSize" | "ec2">): Promise<void> {
  if (request.ec2) return checkEc2(target, request.ec2, request.batchSize);
  const located = await target.locate(request);
  if (!located.stackExists) throw new UnknownIdError("stackId", request.stackId, `stackId: stack "${request.stackId}" does not exist`);
  if (located.layerStackId === undefined) throw new UnknownIdError("layerId", request.layerId, `layerId: layer "${request.layerId}" does not exist`);
  if (located.layerStackId !== request.stackId) {
    throw new BadInputError("layerId", `layerId: layer "${request.layerId}" belongs to stack "${located.layerStackId}", not to stack "${request.stackId}"`);
  }
  if (located.appStackId === undefined) throw new UnknownIdError("appId", request.appId, `appId: app "${request.appId}" does not exist`);
  if (located.appStackId !== request.stackId) {
    throw new BadInputError("appId", `appId: app "${request.appId}" belongs to stack "${located.appStackId}", not to stack "${request.stackId}"`);
  }
  const instances = await target.listInstances(request.stackId, request.layerId);
  const online = instances.filter((i) => i.status === "online").length;
  if (online === 0) {
    const what = instances.length === 0 ? "has no instances" : `has ${instances.length} instance(s), none online`;
    throw new BadInputError("layerId", `layerId: layer "${request.layerId}" ${what}: nothing to deploy`);
  }
  if (request.batchSize > online) {
    throw new ValidationError("batchSize", `must be at most ${online}, the number of online instances in layer "${request.layerId}"`);
  }
}

/** An EC2 target: a named document must exist; its selection must match running instances, at least a batch of them. */
async function checkEc2(target: DeployTarget, ec2: Ec2Target, batchSize: number): Promise<void> {
  const field = "asg" in ec2.selection ? "ec2.asg" : "ec2.tags";
  const what = "asg" in ec2.selection ? `Auto Scaling group "${ec2.selection.asg}"` : `tags ${JSON.stringify(ec2.selection.tags)}`;
  if ("document" in ec2.command && (await target.locate({ stackId: "ec2", layerId: "ec2", appId: "ec2" })).appStackId === undefined) {
    throw new UnknownIdError("ec2.document", ec2.command.document, `ec2.document: SSM document "${ec2.command.document}" does not exist in this account and region`);
  }
  const online = (await target.listInstances("ec2", "ec2")).filter((i) => i.status === "online").length;
  if (online === 0) throw new BadInputError(field, `${field}: ${what} has no running instances: nothing to deploy`);
  if (batchSize > online) throw new ValidationError("batchSize", `must be at most ${online}, the number of running instances of ${what}`);
}
