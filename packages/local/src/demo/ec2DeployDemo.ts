import { auditEc2Rollout, targetMembership } from "../world/ec2Audit.js";
import type { DemoStep } from "./DemoStep.js";
import { runDemoRollout } from "./demoRollout.js";

const id = (n: number) => `i-${(0xde3000 + n).toString(16).padStart(17, "0")}`;

/**
 * The same rolling deploy on today's kind of fleet: three EC2 instances of an Auto Scaling
 * group behind two ELBv2 target groups (one with a single healthy target), deployed to with
 * SSM Run Command, checked afterwards from the simulator's event log.
 */
export const ec2DeployDemo: DemoStep = {
  title: "Rolling deploy on EC2: three instances of an Auto Scaling group, two target groups (one with a single target), SSM Run Command",
  async run(world, output) {
    const control = world.simulator.control;
    const ids = [1, 2, 3].map(id);
    await control.seed({
      ec2Instances: ids.map((InstanceId, i) => ({ InstanceId, AutoScalingGroupName: "demo-shop", Tags: [{ Key: "Name", Value: `shop${i + 1}` }] })),
      loadBalancersV2: [{ LoadBalancerName: "demo-front" }],
      targetGroups: [
        { TargetGroupName: "demo-shop-web", LoadBalancerNames: ["demo-front"], HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3, DeregistrationDelaySeconds: 60, targets: ids },
        { TargetGroupName: "demo-shop-admin", Port: 8080, LoadBalancerNames: ["demo-front"], HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3, DeregistrationDelaySeconds: 30, targets: ids.slice(2) },
      ],
    });
    output.progress("target group demo-shop-web serves shop1, shop2, shop3; demo-shop-admin (port 8080) serves shop3 alone");
    const since = await control.lastSeq();
    const before = targetMembership(await control.state());
    const { result, report } = await runDemoRollout(world, output, { ec2: { asg: "demo-shop", commands: ["cd /srv/shop && ./release.sh"] }, comment: "demo release on EC2" });
    const audit = await auditEc2Rollout(control, since, before);
    const commands = Object.values(audit.commandsPerInstance);
    const ok =
      result.status === "SUCCEEDED" && audit.zeroHealthy.length === 0 && audit.notReattached.length === 0 && !audit.membershipChanged && commands.length === 3 && commands.every((n) => n === 1);
    return {
      summary: `${ok ? "ok" : "UNEXPECTED"}: ${result.status}, ${report?.deployedCount ?? 0} deployed by SSM, ${audit.zeroHealthy.length} moments a target group had no healthy target, ${audit.notReattached.length} left deregistered, ${result.transitions} state transitions in ${result.wallMs} ms`,
      details: {
        ok,
        status: result.status,
        executionArn: result.executionArn,
        notDetached: report?.notDetached ?? [],
        commandsPerInstance: audit.commandsPerInstance,
        zeroHealthy: audit.zeroHealthy,
        notReattached: audit.notReattached,
        transitions: result.transitions,
        wallMs: result.wallMs,
      },
    };
  },
};
