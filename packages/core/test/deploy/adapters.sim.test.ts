import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";
import { ClassicElb } from "../../src/aws/elb/ClassicElb.js";
import { OpsWorksStacks } from "../../src/aws/opsworks/OpsWorksStacks.js";
import { CloudRequestError, CloudResourceNotFoundError, ThrottledError } from "../../src/errors.js";
import { seedFleet, simClients } from "./support.js";

let sim: FleetSimulator;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0 });
  await sim.control.config({ deploymentSeconds: 60, healthCheckSeconds: 30 });
});
afterAll(() => sim.close());

describe("Class: OpsWorksStacks as the deploy target (through the SDK, against the simulator)", () => {
  it("lists a layer's instances in hostname order with their status and EC2 id", async () => {
    const fleet = await seedFleet(sim.control, { instances: 3, loadBalancers: {}, stopped: [2] });
    const target = new OpsWorksStacks(simClients(sim.endpoint).opsworks);
    const listed = await target.listInstances(fleet.stackId, fleet.layerId);
    expect(listed.map((i) => [i.hostname, i.status, i.endpointId])).toEqual([
      ["web1", "online", fleet.ec2(1)],
      ["web2", "stopped", fleet.ec2(2)],
      ["web3", "online", fleet.ec2(3)],
    ]);
  });

  it("starts a deploy with migrate, follows it to success, and finds it again by its comment", async () => {
    const fleet = await seedFleet(sim.control, { instances: 2, loadBalancers: {} });
    const target = new OpsWorksStacks(simClients(sim.endpoint).opsworks);
    const instanceId = fleet.instances[0]?.InstanceId ?? "";
    const id = await target.startDeployment({ stackId: fleet.stackId, appId: fleet.appId, instanceIds: [instanceId], migrate: true, comment: "c-1" });
    const created = (await sim.control.calls("CreateDeployment")).at(-1);
    expect(created?.params).toMatchObject({ Command: { Name: "deploy", Args: { migrate: ["true"] } }, InstanceIds: [instanceId] });
    expect(await target.getDeployment(id)).toMatchObject({ deploymentId: id, status: "running" });
    await sim.control.advance(61);
    expect(await target.getDeployment(id)).toMatchObject({ status: "successful", instanceIds: [instanceId] });
    expect((await target.findDeployments(fleet.appId, "c-1")).map((d) => d.deploymentId)).toEqual([id]);
    expect(await target.findDeployments(fleet.appId, "other")).toEqual([]);
  });

  it("reports a deployment that failed", async () => {
    const fleet = await seedFleet(sim.control, { instances: 1, loadBalancers: {} });
    const target = new OpsWorksStacks(simClients(sim.endpoint).opsworks);
    await sim.control.addFaults({ action: "CreateDeployment", failDeployment: true, count: 1 });
    const id = await target.startDeployment({ stackId: fleet.stackId, appId: fleet.appId, instanceIds: [fleet.instances[0]?.InstanceId ?? ""], migrate: false, comment: "x" });
    await sim.control.advance(61);
    expect(await target.getDeployment(id)).toMatchObject({ status: "failed" });
  });

  it("translates not found, invalid requests and throttling into Scythe's errors", async () => {
    const target = new OpsWorksStacks(simClients(sim.endpoint, 1).opsworks);
    await expect(target.listInstances("s", "no-such-layer")).rejects.toBeInstanceOf(CloudResourceNotFoundError);
    await expect(target.getDeployment("no-such-deployment")).rejects.toBeInstanceOf(CloudResourceNotFoundError);
    const fleet = await seedFleet(sim.control, { instances: 1, loadBalancers: {}, stopped: [1] });
    await expect(
      target.startDeployment({ stackId: fleet.stackId, appId: fleet.appId, instanceIds: [], migrate: true, comment: "x" }),
    ).rejects.toBeInstanceOf(CloudRequestError);
    await sim.control.addFaults({ action: "DescribeInstances", error: "ThrottlingException", count: 1 });
    await expect(target.listInstances(fleet.stackId, fleet.layerId)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe("Class: ClassicElb (through the SDK, against the simulator)", () => {
  it("lists members, detaches with draining, and reattaches through health checks", async () => {
    const fleet = await seedFleet(sim.control, { instances: 2, loadBalancers: { main: [1, 2] } });
    const elb = new ClassicElb(simClients(sim.endpoint).elb);
    const lb = fleet.lbName("main");
    const listed = (await elb.list()).find((l) => l.name === lb);
    expect(listed?.instances).toEqual([fleet.ec2(1), fleet.ec2(2)]);

    await elb.detach(lb, [fleet.ec2(1)]);
    await elb.detach(lb, [fleet.ec2(1)]); // a retry: already on its way out, not an error
    expect(await elb.health(lb, [fleet.ec2(1)])).toMatchObject([{ state: "InService", unregistered: false, draining: true }]);
    await sim.control.advance(301);
    expect(await elb.health(lb, [fleet.ec2(1)])).toMatchObject([{ state: "OutOfService", unregistered: true, draining: false }]);
    expect((await elb.list()).find((l) => l.name === lb)?.instances).toEqual([fleet.ec2(2)]);

    await elb.attach(lb, [fleet.ec2(1)]);
    expect(await elb.health(lb, [fleet.ec2(1)])).toMatchObject([{ state: "OutOfService", unregistered: false }]);
    await sim.control.advance(31);
    expect(await elb.health(lb)).toMatchObject([
      { instanceId: fleet.ec2(2), state: "InService" },
      { instanceId: fleet.ec2(1), state: "InService" },
    ]);
    expect(await sim.control.violations()).toEqual([]);
  });

  it("lists every load balancer across pages, and a draining instance is no longer a member", async () => {
    const fleet = await seedFleet(sim.control, { instances: 2, loadBalancers: { pa: [1, 2], pb: [1], pc: [2] } });
    await sim.control.config({ elbPageSize: 1 });
    try {
      const since = await sim.control.lastSeq();
      const elb = new ClassicElb(simClients(sim.endpoint).elb);
      const all = await elb.list();
      const pages = (await sim.control.calls("DescribeLoadBalancers", since)).length;
      expect(pages).toBe(all.length);
      expect(pages).toBeGreaterThanOrEqual(3);
      const mine = all.filter((l) => l.name.endsWith(fleet.lbName("")));
      expect(mine.map((l) => [l.name, l.instances])).toEqual([
        [fleet.lbName("pa"), [fleet.ec2(1), fleet.ec2(2)]],
        [fleet.lbName("pb"), [fleet.ec2(1)]],
        [fleet.lbName("pc"), [fleet.ec2(2)]],
      ]);
      await elb.detach(fleet.lbName("pa"), [fleet.ec2(1)]);
      expect((await elb.list()).find((l) => l.name === fleet.lbName("pa"))?.instances).toEqual([fleet.ec2(2)]);
      await elb.attach(fleet.lbName("pa"), [fleet.ec2(1)]);
    } finally {
      await sim.control.config({ elbPageSize: 400 });
    }
  });

  it("translates a missing load balancer and throttling into Scythe's errors", async () => {
    const elb = new ClassicElb(simClients(sim.endpoint, 1).elb);
    await expect(elb.health("no-such-lb")).rejects.toBeInstanceOf(CloudResourceNotFoundError);
    await expect(elb.attach("no-such-lb", ["i-1"])).rejects.toBeInstanceOf(CloudResourceNotFoundError);
    await sim.control.addFaults({ action: "DescribeLoadBalancers", error: "Throttling", count: 1 });
    await expect(elb.list()).rejects.toBeInstanceOf(ThrottledError);
  });
});
