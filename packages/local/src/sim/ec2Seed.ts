/** Seeding EC2 instances: validated with the rest of a seed, applied only if all of it is valid. */
import { ASG_TAG, type Ec2Instance, type Ec2Tag } from "./ec2State.js";
import type { ParsedSeed } from "./schemas.js";
import type { World } from "./world.js";

export function planEc2Seed(world: World, seed: ParsedSeed, now: number, fail: (message: string) => never): Ec2Instance[] {
  const planned: Ec2Instance[] = (seed.ec2Instances ?? []).map((s, index) => {
    const InstanceId = s.InstanceId ?? world.ids.ec2InstanceId();
    if (world.state.ec2Instances.has(InstanceId) || world.state.ec2InstanceIds.has(InstanceId)) fail(`ec2Instances: ${InstanceId} already exists`);
    const Tags: Ec2Tag[] = [...(s.Tags ?? [])];
    if (new Set(Tags.map((t) => t.Key)).size !== Tags.length) fail(`ec2Instances ${InstanceId}: duplicate tag key`);
    if (s.AutoScalingGroupName !== undefined) {
      if (Tags.some((t) => t.Key === ASG_TAG)) fail(`ec2Instances ${InstanceId}: give AutoScalingGroupName or the ${ASG_TAG} tag, not both`);
      Tags.push({ Key: ASG_TAG, Value: s.AutoScalingGroupName });
    }
    const n = world.state.ec2Instances.size + index + 1;
    return {
      InstanceId,
      ReservationId: `r-${world.ids.hex(17)}`,
      InstanceType: s.InstanceType ?? "t3.small",
      ImageId: s.ImageId ?? "ami-0abcdef1234567890",
      State: s.State ?? "running",
      LaunchTime: new Date(s.LaunchTime ?? world.clock.iso(now)).toISOString(),
      PrivateIpAddress: `10.0.${Math.floor(n / 250) % 250}.${(n % 250) + 4}`,
      AvailabilityZone: s.AvailabilityZone ?? "us-east-1a",
      Tags,
    };
  });
  if (new Set(planned.map((i) => i.InstanceId)).size !== planned.length) fail("duplicate InstanceId in ec2Instances");
  return planned;
}

export function applyEc2Seed(world: World, planned: readonly Ec2Instance[]): void {
  for (const i of planned) {
    world.state.ec2Instances.set(i.InstanceId, i);
    world.state.ec2InstanceIds.add(i.InstanceId);
  }
}
