import { describe, expect, it } from "vitest";
import type { LoadBalancers } from "../../src/deploy/ports.js";
import { RoutedLoadBalancers, isTargetGroupArn } from "../../src/deploy/routedLoadBalancers.js";
import type { Ec2Target } from "../../src/deploy/input.js";
import { servicesFor, type DeployServices } from "../../src/deploy/steps/session.js";

/** A LoadBalancers that records what it was asked, under its own label. */
function recording(label: string, calls: string[]): LoadBalancers {
  return {
    list: async () => [{ name: `${label}-lb`, instances: [] }],
    health: async (name) => (calls.push(`${label} health ${name}`), []),
    detach: async (name, ids) => void calls.push(`${label} detach ${name} ${ids.join(",")}`),
    attach: async (name, ids) => void calls.push(`${label} attach ${name} ${ids.join(",")}`),
  };
}

const TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";

describe("Class: RoutedLoadBalancers", () => {
  it("sends a target group's ARN to the target groups and any other name to classic ELB; lists classic ones", async () => {
    const calls: string[] = [];
    const lbs = new RoutedLoadBalancers(recording("classic", calls), recording("v2", calls));
    await lbs.attach(TG, ["i-1"]);
    await lbs.attach("web-lb", ["i-1"]);
    await lbs.detach(TG, ["i-2"]);
    await lbs.health("arn-looking-name", ["i-1"]);
    expect(calls).toEqual([`v2 attach ${TG} i-1`, "classic attach web-lb i-1", `v2 detach ${TG} i-2`, "classic health arn-looking-name"]);
    expect(await lbs.list()).toEqual([{ name: "classic-lb", instances: [] }]);
    expect(isTargetGroupArn("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1")).toBe(false);
    expect(isTargetGroupArn(TG)).toBe(true);
  });
});

describe("Function: servicesFor", () => {
  const base = { target: { kind: "opsworks" }, loadBalancers: { kind: "classic" } } as unknown as DeployServices;
  it("keeps the services for an OpsWorks config and builds the EC2 ones for an { ec2 } config", () => {
    const ec2: Ec2Target = { selection: { asg: "web" }, command: { commands: ["x"] } };
    const built = { target: { kind: "ec2" }, loadBalancers: { kind: "groups" } } as unknown as Pick<DeployServices, "target" | "loadBalancers">;
    const services = { ...base, ec2: (t: Ec2Target) => (expect(t).toEqual(ec2), built) };
    expect(servicesFor(services, {})).toBe(services);
    expect(servicesFor(services, { ec2 })).toMatchObject(built);
    expect(() => servicesFor(base, { ec2 })).toThrow(/ec2/);
  });
});
