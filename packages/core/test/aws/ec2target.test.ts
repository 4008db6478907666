import { DescribeInstancesCommand, EC2Client, EC2ServiceException, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  RegisterTargetsCommand,
  TargetGroupNotFoundException,
  type TargetGroup,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetCommandInvocationCommand, ListCommandInvocationsCommand, ListCommandsCommand, SendCommandCommand, SSMClient, SSMServiceException, type CommandInvocationStatus, type CommandStatus } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { Ec2Instances } from "../../src/aws/ec2/Ec2Instances.js";
import { ec2Requests } from "../../src/aws/ec2/requests.js";
import { elbv2Requests } from "../../src/aws/elbv2/requests.js";
import { TargetGroups } from "../../src/aws/elbv2/TargetGroups.js";
import { Ec2SsmTarget } from "../../src/aws/ssm/Ec2SsmTarget.js";
import { ssmComment, ssmRequests } from "../../src/aws/ssm/requests.js";
import { SsmRunCommand } from "../../src/aws/ssm/SsmRunCommand.js";
import { CloudRequestError, CloudResourceNotFoundError, CloudUnavailableError, ThrottledError } from "../../src/errors.js";
import { offline } from "./support.js";

/** Adapter unit tests: the exact requests, no I/O. The same adapters run against the simulator in ec2target.sim.test.ts. */
const ec2Client = new EC2Client(offline);
const elbClient = new ElasticLoadBalancingV2Client(offline);
const ssmClient = new SSMClient(offline);
const ec2 = mockClient(ec2Client);
const elb = mockClient(elbClient);
const ssm = mockClient(ssmClient);
afterEach(() => {
  ec2.reset();
  elb.reset();
  ssm.reset();
});

type Mock = typeof ec2 | typeof elb | typeof ssm;
const inputs = <T>(mock: Mock, command: new (...args: never[]) => T) => mock.commandCalls(command as never).map((call) => call.args[0].input);
const fail = <E extends Error>(Kind: new (o: { name: string; message: string; $fault: "client" | "server"; $metadata: { httpStatusCode: number } }) => E, name: string, status: number) =>
  new Kind({ name, message: `${name} (test)`, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });

const TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";
const group: TargetGroup = { TargetGroupArn: TG, TargetGroupName: "web", Port: 8080, TargetType: "instance", LoadBalancerArns: ["arn:lb"], HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3 };
const health = (...rows: [string, number, string, string?][]) => ({
  TargetHealthDescriptions: rows.map(([Id, Port, State, Reason]) => ({ Target: { Id, Port }, TargetHealth: { State, ...(Reason && { Reason }) } }) as TargetHealthDescription),
});

describe("Module: ec2Requests / elbv2Requests / ssmRequests (requests as data)", () => {
  it("selects running instances of an Auto Scaling group by its tag, or by every tag given", () => {
    expect(ec2Requests.runningInstances({ asg: "web-asg" })).toEqual({
      Filters: [
        { Name: "instance-state-name", Values: ["running"] },
        { Name: "tag:aws:autoscaling:groupName", Values: ["web-asg"] },
      ],
    });
    expect(ec2Requests.runningInstances({ tags: { Role: "web", Env: "prod" } }).Filters).toEqual([
      { Name: "instance-state-name", Values: ["running"] },
      { Name: "tag:Role", Values: ["web"] },
      { Name: "tag:Env", Values: ["prod"] },
    ]);
  });

  it("names target groups by ARNs or by names, never mixed, and targets with their port", () => {
    expect(elbv2Requests.describeTargetGroups([TG])).toEqual({ TargetGroupArns: [TG] });
    expect(elbv2Requests.describeTargetGroups(["web", "api"])).toEqual({ Names: ["web", "api"] });
    expect(elbv2Requests.describeTargetGroups()).toEqual({});
    expect(elbv2Requests.deregister(TG, [{ id: "i-1", port: 8080 }])).toEqual({ TargetGroupArn: TG, Targets: [{ Id: "i-1", Port: 8080 }] });
  });

  it("sends shell commands through AWS-RunShellScript, or a named document with its parameters", () => {
    expect(ssmRequests.sendCommand({ commands: ["deploy.sh", "restart"], executionTimeoutSeconds: 600 }, ["i-1", "i-2"], "c")).toEqual({
      DocumentName: "AWS-RunShellScript",
      Parameters: { commands: ["deploy.sh", "restart"], executionTimeout: ["600"] },
      InstanceIds: ["i-1", "i-2"],
      Comment: "c",
    });
    expect(ssmRequests.sendCommand({ document: "Shop-Deploy", parameters: { version: ["42"] } }, ["i-1"], "c")).toEqual({
      DocumentName: "Shop-Deploy",
      Parameters: { version: ["42"] },
      InstanceIds: ["i-1"],
      Comment: "c",
    });
  });

  it("keeps the identifying end of a comment longer than SSM's 100 characters", () => {
    const long = `${"x".repeat(150)} [scythe exec-1 batch 3]`;
    expect(ssmComment(long)).toHaveLength(100);
    expect(ssmComment(long).endsWith("[scythe exec-1 batch 3]")).toBe(true);
    expect(ssmComment("short")).toBe("short");
  });
});

describe("Class: Ec2Instances", () => {
  it("follows NextToken through every page and keeps Name and tags", async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: "i-2", State: { Name: "running" }, Tags: [{ Key: "Name", Value: "web-2" }] }] }], NextToken: "t-1" })
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: "i-1", State: { Name: "running" } }] }] });
    const found = await new Ec2Instances(ec2Client).running({ asg: "web-asg" });
    expect(found).toEqual([
      { instanceId: "i-1", state: "running", tags: {} },
      { instanceId: "i-2", state: "running", tags: { Name: "web-2" }, name: "web-2" },
    ]);
    const sent = inputs(ec2, DescribeInstancesCommand);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({ ...ec2Requests.runningInstances({ asg: "web-asg" }), MaxResults: 1000 });
    expect(sent[1]).toMatchObject({ NextToken: "t-1" });
  });

  it("counts an instance absent only on InvalidInstanceID.NotFound; reports terminated as such; 403 and throttling are errors", async () => {
    const instances = new Ec2Instances(ec2Client);
    ec2
      .on(DescribeInstancesCommand)
      .rejectsOnce(fail(EC2ServiceException, "InvalidInstanceID.NotFound", 400))
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: "i-1", State: { Name: "terminated" } }] }] })
      .resolvesOnce({ Reservations: [] })
      .rejectsOnce(fail(EC2ServiceException, "UnauthorizedOperation", 403))
      .rejectsOnce(fail(EC2ServiceException, "RequestLimitExceeded", 503));
    expect(await instances.state("i-1")).toBeUndefined();
    expect(await instances.state("i-1")).toBe("terminated");
    await expect(instances.state("i-1")).rejects.toBeInstanceOf(CloudUnavailableError);
    await expect(instances.state("i-1")).rejects.toBeInstanceOf(CloudRequestError);
    await expect(instances.state("i-1")).rejects.toBeInstanceOf(ThrottledError);
    ec2.on(TerminateInstancesCommand).rejectsOnce(fail(EC2ServiceException, "InvalidInstanceID.NotFound", 400));
    expect(await instances.terminate("i-1")).toBe("already-gone");
    expect(inputs(ec2, TerminateInstancesCommand)).toEqual([{ InstanceIds: ["i-1"] }]);
  });
});

describe("Class: TargetGroups (the deploy's load balancers on ELBv2)", () => {
  it("lists instance target groups by ARN with every registered instance, draining ones too", async () => {
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [group, { TargetGroupArn: "arn:ip", TargetGroupName: "ips", TargetType: "ip" as const }] });
    elb.on(DescribeTargetHealthCommand).resolves(health(["i-1", 8080, "healthy"], ["i-2", 8080, "draining"]));
    expect(await new TargetGroups(elbClient).list()).toEqual([{ name: TG, instances: ["i-1", "i-2"] }]);
    expect(inputs(elb, DescribeTargetHealthCommand)).toEqual([{ TargetGroupArn: TG }]);
  });

  it("maps healthy to InService, draining to draining, not registered to unregistered, the rest to OutOfService", async () => {
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [group] });
    elb.on(DescribeTargetHealthCommand).resolves(health(["i-1", 8080, "healthy"], ["i-2", 8080, "draining"], ["i-3", 8080, "initial"], ["i-5", 8080, "unused", "Target.NotRegistered"]));
    const h = await new TargetGroups(elbClient).health("web", ["i-1", "i-2", "i-3", "i-4", "i-5"]);
    expect(h.map((x) => [x.instanceId, x.state, x.draining, x.unregistered])).toEqual([
      ["i-1", "InService", false, false],
      ["i-2", "OutOfService", true, false],
      ["i-3", "OutOfService", false, false],
      ["i-4", "OutOfService", false, true],
      ["i-5", "OutOfService", false, true],
    ]);
    expect(inputs(elb, DescribeTargetGroupsCommand)[0]).toMatchObject({ Names: ["web"] });
  });

  it("deregisters on the port each instance is registered on, skipping ones already draining (a retried detach)", async () => {
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [group] });
    elb.on(DescribeTargetHealthCommand).resolves(health(["i-1", 9000, "healthy"], ["i-2", 8080, "draining"], ["i-3", 8080, "healthy"]));
    elb.on(DeregisterTargetsCommand).resolves({});
    const tgs = new TargetGroups(elbClient);
    await tgs.detach(TG, ["i-1", "i-2"]);
    expect(inputs(elb, DeregisterTargetsCommand)).toEqual([{ TargetGroupArn: TG, Targets: [{ Id: "i-1", Port: 9000 }] }]);
    await tgs.detach(TG, ["i-2"]);
    expect(inputs(elb, DeregisterTargetsCommand)).toHaveLength(1);
  });

  it("registers on the port an instance drains from, else the group's port; leaves registered ones alone", async () => {
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [group] });
    elb.on(DescribeTargetHealthCommand).resolves(health(["i-1", 9000, "draining"], ["i-3", 8080, "initial"]));
    elb.on(RegisterTargetsCommand).resolves({});
    await new TargetGroups(elbClient).attach(TG, ["i-1", "i-2", "i-3"]);
    expect(inputs(elb, RegisterTargetsCommand)).toEqual([
      { TargetGroupArn: TG, Targets: [{ Id: "i-1", Port: 9000 }, { Id: "i-2", Port: 8080 }] },
    ]);
  });

  it("asks DescribeTargetHealth about the instances it is given by id, never the whole group, and needs no describe for an ARN", async () => {
    elb.on(DescribeTargetHealthCommand).resolves(health(["i-1", 8080, "healthy"], ["i-1", 9000, "draining"], ["i-2", 8080, "unused", "Target.NotRegistered"]));
    const h = await new TargetGroups(elbClient).health(TG, ["i-1", "i-2", "i-1"]);
    expect(inputs(elb, DescribeTargetHealthCommand)).toEqual([{ TargetGroupArn: TG, Targets: [{ Id: "i-1" }, { Id: "i-2" }] }]);
    expect(inputs(elb, DescribeTargetGroupsCommand)).toEqual([]);
    // Registered on two ports, one of them draining: out of service and draining, both ports named.
    expect(h).toEqual([
      { instanceId: "i-1", state: "OutOfService", unregistered: false, draining: true, description: "8080: healthy, 9000: draining" },
      { instanceId: "i-2", state: "OutOfService", unregistered: true, draining: false, description: "Target.NotRegistered" },
    ]);
    // Without ids: every registered instance, as the plan's fallback and the dry run need.
    elb.reset();
    elb.on(DescribeTargetHealthCommand).resolves(health(["i-1", 8080, "healthy"], ["i-3", 8080, "healthy"]));
    expect((await new TargetGroups(elbClient).health(TG)).map((x) => x.instanceId)).toEqual(["i-1", "i-3"]);
    expect(inputs(elb, DescribeTargetHealthCommand)).toEqual([{ TargetGroupArn: TG }]);
  });

  it("detaches reading only the instances it takes out; one answering no registration is looked for in the whole group once", async () => {
    elb.on(DeregisterTargetsCommand).resolves({});
    // Asked by id, i-2 answers not registered (as AWS might for an id on another port than the group's); the whole group has it on 9000.
    elb
      .on(DescribeTargetHealthCommand)
      .resolvesOnce(health(["i-1", 8080, "healthy"], ["i-2", 8080, "unused", "Target.NotRegistered"]))
      .resolvesOnce(health(["i-1", 8080, "healthy"], ["i-2", 9000, "healthy"], ["i-3", 8080, "healthy"]));
    await new TargetGroups(elbClient).detach(TG, ["i-1", "i-2"]);
    expect(inputs(elb, DescribeTargetHealthCommand)).toEqual([{ TargetGroupArn: TG, Targets: [{ Id: "i-1" }, { Id: "i-2" }] }, { TargetGroupArn: TG }]);
    expect(inputs(elb, DeregisterTargetsCommand)).toEqual([{ TargetGroupArn: TG, Targets: [{ Id: "i-1", Port: 8080 }, { Id: "i-2", Port: 9000 }] }]);
    // Every instance found by id: the group is not read whole.
    elb.reset();
    elb.on(DeregisterTargetsCommand).resolves({});
    elb.on(DescribeTargetHealthCommand).resolves(health(["i-4", 8080, "healthy"]));
    await new TargetGroups(elbClient).detach(TG, ["i-4"]);
    expect(inputs(elb, DescribeTargetHealthCommand)).toEqual([{ TargetGroupArn: TG, Targets: [{ Id: "i-4" }] }]);
  });

  it("attaches reading only the instances it puts back, and describes a group's port once per client", async () => {
    const client = new ElasticLoadBalancingV2Client(offline);
    const own = mockClient(client);
    own.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [group] });
    own.on(DescribeTargetHealthCommand).resolves(health(["i-1", 9000, "draining"], ["i-2", 8080, "unused", "Target.NotRegistered"]));
    own.on(RegisterTargetsCommand).resolves({});
    // One TargetGroups per step, as a Lambda invocation makes them: the port is still described once.
    await new TargetGroups(client).attach(TG, ["i-1", "i-2"]);
    await new TargetGroups(client).attach(TG, ["i-2"]);
    expect(own.commandCalls(DescribeTargetHealthCommand).map((c) => c.args[0].input)).toEqual([
      { TargetGroupArn: TG, Targets: [{ Id: "i-1" }, { Id: "i-2" }] },
      { TargetGroupArn: TG, Targets: [{ Id: "i-2" }] },
    ]);
    expect(own.commandCalls(DescribeTargetGroupsCommand)).toHaveLength(1);
    expect(own.commandCalls(RegisterTargetsCommand).map((c) => c.args[0].input.Targets)).toEqual([
      [{ Id: "i-1", Port: 9000 }, { Id: "i-2", Port: 8080 }],
      [{ Id: "i-2", Port: 8080 }],
    ]);
    own.restore();
  });

  it("names at most 100 targets a request", async () => {
    elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    const ids = Array.from({ length: 250 }, (_, i) => `i-${i}`);
    expect(await new TargetGroups(elbClient).health(TG, ids)).toHaveLength(250);
    expect(inputs(elb, DescribeTargetHealthCommand).map((i) => i.Targets?.length)).toEqual([100, 100, 50]);
  });

  it("reads deregistration_delay.timeout_seconds from the group's attributes", async () => {
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [group] });
    elb.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: [{ Key: "stickiness.enabled", Value: "false" }, { Key: "deregistration_delay.timeout_seconds", Value: "45" }] });
    expect(await new TargetGroups(elbClient).deregistrationDelaySeconds(TG)).toBe(45);
    expect(inputs(elb, DescribeTargetGroupAttributesCommand)).toEqual([{ TargetGroupArn: TG }]);
  });

  it("translates TargetGroupNotFound to not found, throttling to ThrottledError, 403 to a request error", async () => {
    elb
      .on(DescribeTargetGroupsCommand)
      .rejectsOnce(new TargetGroupNotFoundException({ message: "One or more target groups not found", $metadata: { httpStatusCode: 400 } }))
      .rejectsOnce(fail(ElasticLoadBalancingV2ServiceException, "Throttling", 400))
      .rejectsOnce(fail(ElasticLoadBalancingV2ServiceException, "AccessDenied", 403));
    await expect(new TargetGroups(elbClient).health("gone")).rejects.toBeInstanceOf(CloudResourceNotFoundError);
    await expect(new TargetGroups(elbClient).list()).rejects.toBeInstanceOf(ThrottledError);
    await expect(new TargetGroups(elbClient).list()).rejects.toBeInstanceOf(CloudRequestError);
  });
});

describe("Class: Ec2SsmTarget (deploy target: EC2 instances, SSM Run Command)", () => {
  const target = () => new Ec2SsmTarget(new Ec2Instances(ec2Client), new SsmRunCommand(ssmClient), { selection: { tags: { Role: "web" } }, command: { commands: ["./deploy"] } });
  const command = { CommandId: "c-1", InstanceIds: ["i-1", "i-2"], Status: "InProgress" as CommandStatus, Comment: "batch" };
  const invocations = (...rows: [string, CommandInvocationStatus][]) => ({ CommandInvocations: rows.map(([InstanceId, Status]) => ({ CommandId: "c-1", InstanceId, Status })) });

  it("lists running instances as online, by Name tag, with the instance id as endpoint", async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: "i-2", State: { Name: "running" }, Tags: [{ Key: "Name", Value: "a" }] }, { InstanceId: "i-1", State: { Name: "running" } }] }],
    });
    expect(await target().listInstances()).toEqual([
      { instanceId: "i-2", hostname: "a", status: "online", endpointId: "i-2" },
      { instanceId: "i-1", hostname: "i-1", status: "online", endpointId: "i-1" },
    ]);
    expect(inputs(ec2, DescribeInstancesCommand)[0]).toMatchObject(ec2Requests.runningInstances({ tags: { Role: "web" } }));
  });

  it("starts a deployment as one SendCommand to the batch, its comment as SSM keeps it", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "c-9" } });
    const id = await target().startDeployment({ stackId: "s", appId: "a", instanceIds: ["i-1", "i-2"], migrate: true, comment: "x".repeat(120) });
    expect(id).toBe("c-9");
    expect(inputs(ssm, SendCommandCommand)).toEqual([{ DocumentName: "AWS-RunShellScript", Parameters: { commands: ["./deploy"] }, InstanceIds: ["i-1", "i-2"], Comment: "x".repeat(100) }]);
  });

  it("is running until every invocation has ended, successful when all succeeded", async () => {
    ssm.on(ListCommandsCommand).resolves({ Commands: [command] });
    ssm.on(ListCommandInvocationsCommand).resolvesOnce(invocations(["i-1", "Success"])).resolvesOnce(invocations(["i-1", "Success"], ["i-2", "InProgress"])).resolves(invocations(["i-1", "Success"], ["i-2", "Success"]));
    expect((await target().getDeployment("c-1")).status).toBe("running");
    expect((await target().getDeployment("c-1")).status).toBe("running");
    expect(await target().getDeployment("c-1")).toEqual({ deploymentId: "c-1", status: "successful", instanceIds: ["i-1", "i-2"], comment: "batch" });
    expect(inputs(ssm, ListCommandsCommand)[0]).toEqual({ CommandId: "c-1" });
    expect(inputs(ssm, ListCommandInvocationsCommand)[0]).toEqual({ CommandId: "c-1" });
  });

  it("fails naming the instance whose invocation failed, with its exit code", async () => {
    ssm.on(ListCommandsCommand).resolves({ Commands: [command] });
    ssm.on(ListCommandInvocationsCommand).resolves(invocations(["i-1", "Success"], ["i-2", "Failed"]));
    ssm.on(GetCommandInvocationCommand).resolves({ CommandId: "c-1", InstanceId: "i-2", Status: "Failed", ResponseCode: 1, StandardErrorContent: "boom\n" });
    expect(await target().getDeployment("c-1")).toMatchObject({ status: "failed", failures: [{ instanceId: "i-2", status: "Failed", detail: "exit code 1: boom" }] });
    expect(inputs(ssm, GetCommandInvocationCommand)).toEqual([{ CommandId: "c-1", InstanceId: "i-2" }]);
  });

  it("given the batch, reads one GetCommandInvocation per instance and nothing else: not yet visible is pending, the first failure fails it while others run", async () => {
    ssm
      .on(GetCommandInvocationCommand, { InstanceId: "i-1" })
      .rejectsOnce(fail(SSMServiceException, "InvocationDoesNotExist", 400))
      .resolves({ CommandId: "c-1", InstanceId: "i-1", Status: "InProgress" });
    ssm.on(GetCommandInvocationCommand, { InstanceId: "i-2" }).resolvesOnce({ CommandId: "c-1", InstanceId: "i-2", Status: "Pending" }).resolves({ CommandId: "c-1", InstanceId: "i-2", Status: "Failed", ResponseCode: 2, StandardErrorContent: "nope" });
    expect((await target().getDeployment("c-1", ["i-1", "i-2"])).status).toBe("running");
    expect(await target().getDeployment("c-1", ["i-1", "i-2"])).toEqual({
      deploymentId: "c-1",
      instanceIds: ["i-1", "i-2"],
      status: "failed",
      failures: [{ instanceId: "i-2", status: "Failed", detail: "exit code 2: nope" }],
    });
    expect(inputs(ssm, GetCommandInvocationCommand)).toHaveLength(4);
    expect(inputs(ssm, ListCommandsCommand)).toEqual([]);
    expect(inputs(ssm, ListCommandInvocationsCommand)).toEqual([]);
  });

  it("finds earlier deployments by their comment across pages; an unknown command id is not found", async () => {
    ssm
      .on(ListCommandsCommand, {})
      .resolvesOnce({ Commands: [{ CommandId: "c-0", Comment: "other", InstanceIds: ["i-1"] }], NextToken: "n" })
      .resolvesOnce({ Commands: [command] });
    ssm.on(ListCommandInvocationsCommand).resolves(invocations(["i-1", "InProgress"], ["i-2", "Pending"]));
    expect((await target().findDeployments("a", "batch")).map((d) => [d.deploymentId, d.status])).toEqual([["c-1", "running"]]);
    ssm.reset();
    ssm.on(ListCommandsCommand).rejects(fail(SSMServiceException, "InvalidCommandId", 400));
    await expect(target().getDeployment("nope")).rejects.toBeInstanceOf(CloudResourceNotFoundError);
  });
});
