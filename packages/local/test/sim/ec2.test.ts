import { DescribeInstancesCommand, DescribeTagsCommand, type DescribeInstancesCommandInput, EC2Client, EC2ServiceException, paginateDescribeInstances, paginateDescribeTags } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../src/sim/index.js";
import { rawAws } from "./helpers.js";

let sim: FleetSimulator;
let ec2: EC2Client;
const credentials = { accessKeyId: "x", secretAccessKey: "x" };
const ASG = "aws:autoscaling:groupName";
const id = (n: number): string => `i-${n.toString(16).padStart(17, "0")}`;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0 });
  ec2 = new EC2Client({ endpoint: sim.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
});
afterAll(async () => {
  ec2.destroy();
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  await sim.control.seed({
    ec2Instances: [
      { InstanceId: id(1), AutoScalingGroupName: "web-asg", Tags: [{ Key: "Name", Value: "web-1" }, { Key: "role", Value: "web" }] },
      { InstanceId: id(2), AutoScalingGroupName: "web-asg", Tags: [{ Key: "Name", Value: "web-2" }] },
      { InstanceId: id(3), AutoScalingGroupName: "web-asg", State: "stopped" },
      { InstanceId: id(4), AutoScalingGroupName: "worker-asg", Tags: [{ Key: "role", Value: "worker" }] },
      { InstanceId: id(5), State: "terminated", Tags: [{ Key: "role", Value: "web" }] },
    ],
  });
});

async function ids(input: DescribeInstancesCommandInput): Promise<string[]> {
  const out = await ec2.send(new DescribeInstancesCommand(input));
  return (out.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId ?? ""));
}

describe("EC2 through the real SDK", () => {
  it("DescribeInstances answers every instance with its state, tags and reservation", async () => {
    const out = await ec2.send(new DescribeInstancesCommand({}));
    expect(out.Reservations).toHaveLength(5);
    const first = out.Reservations?.[0];
    expect(first?.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    const instance = first?.Instances?.[0];
    expect(instance).toMatchObject({ InstanceId: id(1), State: { Code: 16, Name: "running" }, InstanceType: "t3.small" });
    expect(instance?.LaunchTime).toBeInstanceOf(Date);
    expect(instance?.Tags).toEqual([
      { Key: "Name", Value: "web-1" },
      { Key: "role", Value: "web" },
      { Key: ASG, Value: "web-asg" },
    ]);
    expect(out.Reservations?.[2]?.Instances?.[0]?.State).toEqual({ Code: 80, Name: "stopped" });
    expect(out.NextToken).toBeUndefined();
  });

  it("filters by instance-state-name, tag:<Key> (with wildcards), tag-key and instance ids", async () => {
    expect(await ids({ Filters: [{ Name: "instance-state-name", Values: ["running"] }] })).toEqual([id(1), id(2), id(4)]);
    expect(await ids({ Filters: [{ Name: `tag:${ASG}`, Values: ["web-asg"] }, { Name: "instance-state-name", Values: ["running", "pending"] }] })).toEqual([
      id(1),
      id(2),
    ]);
    expect(await ids({ Filters: [{ Name: `tag:${ASG}`, Values: ["*-asg"] }] })).toEqual([id(1), id(2), id(3), id(4)]);
    expect(await ids({ Filters: [{ Name: "tag-key", Values: ["role"] }] })).toEqual([id(1), id(4), id(5)]);
    expect(await ids({ Filters: [{ Name: "tag:role", Values: ["web"] }, { Name: "instance-state-name", Values: ["running"] }] })).toEqual([id(1)]);
    expect(await ids({ InstanceIds: [id(4), id(2)] })).toEqual([id(2), id(4)]);
    expect(await ids({ InstanceIds: [id(4), id(2)], Filters: [{ Name: "tag:role", Values: ["worker"] }] })).toEqual([id(4)]);
    expect(await ids({ Filters: [{ Name: "instance-id", Values: [id(3)] }] })).toEqual([id(3)]);
  });

  it("answers EC2's error codes: unknown and malformed ids, unknown filters, bad MaxResults", async () => {
    const err = async (input: DescribeInstancesCommandInput) =>
      ec2.send(new DescribeInstancesCommand(input)).then(
        () => undefined,
        (e: unknown) => e,
      );
    const notFound = await err({ InstanceIds: [id(1), id(99)] });
    expect(notFound).toBeInstanceOf(EC2ServiceException);
    expect(notFound).toMatchObject({ name: "InvalidInstanceID.NotFound", $metadata: { httpStatusCode: 400 } });
    expect((notFound as Error).message).toContain(id(99));
    expect(await err({ InstanceIds: ["i-nope"] })).toMatchObject({ name: "InvalidInstanceID.Malformed" });
    expect(await err({ Filters: [{ Name: "bogus", Values: ["x"] }] })).toMatchObject({ name: "InvalidParameterValue" });
    expect(await err({ MaxResults: 4 })).toMatchObject({ name: "InvalidParameterValue" });
    expect(await err({ MaxResults: 5, InstanceIds: [id(1)] })).toMatchObject({ name: "InvalidParameterCombination" });
    expect(await err({ MaxResults: 5, NextToken: "garbage" })).toMatchObject({ name: "InvalidParameterValue" });
  });

  it("pages by MaxResults with NextToken; the SDK paginator reads every page, filters applied before paging", async () => {
    const many = Array.from({ length: 17 }, (_, k) => ({ InstanceId: id(100 + k), AutoScalingGroupName: k % 2 === 0 ? "big-asg" : "other-asg" }));
    await sim.control.seed({ ec2Instances: many });
    const first = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    expect(first.Reservations).toHaveLength(5);
    expect(first.NextToken).toEqual(expect.any(String));
    const pages: string[][] = [];
    for await (const p of paginateDescribeInstances({ client: ec2, pageSize: 5 }, { Filters: [{ Name: `tag:${ASG}`, Values: ["big-asg"] }] })) {
      pages.push((p.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId ?? "")));
    }
    expect(pages.map((p) => p.length)).toEqual([5, 4]);
    expect(pages.flat()).toEqual(many.filter((_, k) => k % 2 === 0).map((i) => i.InstanceId));
  });

  it("DescribeTags lists instance tags sorted by resource and key, filtered and paged", async () => {
    const all = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [id(1)] }] }));
    expect(all.Tags).toEqual([
      { ResourceId: id(1), ResourceType: "instance", Key: "Name", Value: "web-1" },
      { ResourceId: id(1), ResourceType: "instance", Key: ASG, Value: "web-asg" },
      { ResourceId: id(1), ResourceType: "instance", Key: "role", Value: "web" },
    ]);
    const asg = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "key", Values: [ASG] }, { Name: "value", Values: ["web-asg"] }] }));
    expect(asg.Tags?.map((t) => t.ResourceId)).toEqual([id(1), id(2), id(3)]);
    const pages: string[][] = [];
    for await (const p of paginateDescribeTags({ client: ec2, pageSize: 5 }, {})) pages.push((p.Tags ?? []).map((t) => `${t.ResourceId}/${t.Key}`));
    expect(pages.map((p) => p.length)).toEqual([5, 3]); // 8 tags of live instances; the terminated one's tag is gone
    expect(new Set(pages.flat()).size).toBe(8);
  });

  it("faults hit EC2 calls (RequestLimitExceeded is retried by the SDK) and every call is in the event log", async () => {
    const retrying = new EC2Client({ endpoint: sim.endpoint, region: "us-east-1", credentials, maxAttempts: 3 });
    await sim.control.addFaults({ action: "ec2:DescribeInstances", error: "RequestLimitExceeded", count: 1 });
    const since = await sim.control.lastSeq();
    const out = await retrying.send(new DescribeInstancesCommand({ InstanceIds: [id(2)] }));
    retrying.destroy();
    expect(out.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe(id(2));
    const events = (await sim.control.events(since)).filter((e) => e.service === "ec2");
    expect(events.map((e) => [e.action, e.outcome, e.status, e.code])).toEqual([
      ["DescribeInstances", "error", 503, "RequestLimitExceeded"],
      ["DescribeInstances", "ok", 200, undefined],
    ]);
  });

  it("rejects seeds with a duplicate id or conflicting ASG name, writing nothing", async () => {
    await expect(sim.control.seed({ ec2Instances: [{ InstanceId: id(1) }] })).rejects.toThrow(/already exists/);
    await expect(
      sim.control.seed({ ec2Instances: [{ InstanceId: id(50), AutoScalingGroupName: "a", Tags: [{ Key: ASG, Value: "b" }] }] }),
    ).rejects.toThrow(/AutoScalingGroupName/);
    await expect(sim.control.seed({ ec2Instances: [{ InstanceId: "x-1" }] })).rejects.toThrow(/InstanceId/);
    expect(await ids({})).toHaveLength(5);
  });

  it("routes by Version: a Query call without a known version is still Classic ELB's InvalidAction", async () => {
    const res = await rawAws(sim.endpoint, "Action=DescribeInstances&Version=2015-01-01", { "content-type": "application/x-www-form-urlencoded" });
    expect(res.status).toBe(400);
    expect(res.text).toContain("InvalidAction");
  });
});
