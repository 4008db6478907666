import {
  CreateDeploymentCommand,
  DeleteInstanceCommand,
  DescribeAppsCommand,
  DescribeDeploymentsCommand,
  DescribeInstancesCommand,
  DescribeLayersCommand,
  DescribeStacksCommand,
  OpsWorksServiceException,
  ResourceNotFoundException,
  StopInstanceCommand,
  ValidationException,
  waitUntilDeploymentSuccessful,
  type OpsWorksClient,
} from "@aws-sdk/client-opsworks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../src/sim/index.js";
import { APP, EC2_1, LAYER, LB, OPS1, OPS2, STACK, fastWaiter, fleet, opsworksClient, rawAws } from "./helpers.js";

let sim: FleetSimulator;
let ops: OpsWorksClient;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 1 });
  ops = opsworksClient(sim.endpoint);
});
afterAll(async () => {
  ops.destroy();
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  await sim.control.seed(fleet());
});

describe("OpsWorks describe actions through the real SDK", () => {
  it("DescribeStacks lists all stacks and selects by id", async () => {
    const all = await ops.send(new DescribeStacksCommand({}));
    expect(all.Stacks?.map((s) => s.Name)).toEqual(["production"]);
    const one = await ops.send(new DescribeStacksCommand({ StackIds: [STACK] }));
    expect(one.Stacks?.[0]).toMatchObject({ StackId: STACK, Region: "us-east-1" });
  });

  it("DescribeLayers by StackId and by LayerIds", async () => {
    const byStack = await ops.send(new DescribeLayersCommand({ StackId: STACK }));
    expect(byStack.Layers?.map((l) => l.Shortname)).toEqual(["rails-app"]);
    const byId = await ops.send(new DescribeLayersCommand({ LayerIds: [LAYER] }));
    expect(byId.Layers?.[0]?.StackId).toBe(STACK);
  });

  it("DescribeInstances by StackId, LayerId and InstanceIds carries Ec2InstanceId", async () => {
    const byStack = await ops.send(new DescribeInstancesCommand({ StackId: STACK }));
    expect(byStack.Instances?.map((i) => i.Hostname).sort()).toEqual(["rails-app1", "rails-app2"]);
    const byLayer = await ops.send(new DescribeInstancesCommand({ LayerId: LAYER }));
    expect(byLayer.Instances).toHaveLength(2);
    const byId = await ops.send(new DescribeInstancesCommand({ InstanceIds: [OPS1] }));
    expect(byId.Instances?.[0]).toMatchObject({ InstanceId: OPS1, Ec2InstanceId: EC2_1, Status: "online", LayerIds: [LAYER] });
  });

  it("DescribeApps by StackId and AppIds", async () => {
    const byStack = await ops.send(new DescribeAppsCommand({ StackId: STACK }));
    expect(byStack.Apps?.map((a) => a.AppId)).toEqual([APP]);
    const byId = await ops.send(new DescribeAppsCommand({ AppIds: [APP] }));
    expect(byId.Apps?.[0]?.Name).toBe("Storefront");
  });

  it("unknown ids raise the SDK's ResourceNotFoundException", async () => {
    const err = await ops.send(new DescribeInstancesCommand({ InstanceIds: ["missing"] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as ResourceNotFoundException).message).toContain("missing");
    await expect(ops.send(new DescribeStacksCommand({ StackIds: ["nope"] }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(ops.send(new DescribeAppsCommand({ AppIds: ["nope"] }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("ambiguous or missing selectors raise ValidationException", async () => {
    await expect(ops.send(new DescribeInstancesCommand({}))).rejects.toBeInstanceOf(ValidationException);
    await expect(ops.send(new DescribeInstancesCommand({ StackId: STACK, LayerId: LAYER }))).rejects.toBeInstanceOf(ValidationException);
  });
});

describe("deployments", () => {
  it("CreateDeployment runs, then succeeds after the simulated duration; the waiter sees it", async () => {
    await sim.control.config({ deploymentSeconds: 300 });
    const started = Date.now();
    const { DeploymentId } = await ops.send(
      new CreateDeploymentCommand({
        StackId: STACK,
        AppId: APP,
        InstanceIds: [OPS1],
        Command: { Name: "deploy", Args: { migrate: ["true"] } },
        Comment: "rolling deploy 1/2",
      }),
    );
    expect(DeploymentId).toMatch(/^[0-9a-f-]{36}$/);
    const running = await ops.send(new DescribeDeploymentsCommand({ DeploymentIds: [DeploymentId ?? ""] }));
    expect(running.Deployments?.[0]).toMatchObject({ Status: "running", Comment: "rolling deploy 1/2", InstanceIds: [OPS1] });
    expect(running.Deployments?.[0]?.Command).toEqual({ Name: "deploy", Args: { migrate: ["true"] } });
    const result = await waitUntilDeploymentSuccessful({ client: ops, ...fastWaiter }, { DeploymentIds: [DeploymentId ?? ""] });
    expect(result.state).toBe("SUCCESS");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const done = await ops.send(new DescribeDeploymentsCommand({ StackId: STACK }));
    expect(done.Deployments?.[0]).toMatchObject({ DeploymentId, Status: "successful", Duration: 300 });
    expect(done.Deployments?.[0]?.CompletedAt).toBeDefined();
  });

  it("a failDeployment fault makes the deployment end failed and the waiter fail", async () => {
    await sim.control.config({ deploymentSeconds: 20 });
    await sim.control.addFaults({ action: "CreateDeployment", failDeployment: true, count: 1 });
    const { DeploymentId = "" } = await ops.send(
      new CreateDeploymentCommand({ StackId: STACK, AppId: APP, Command: { Name: "deploy" } }),
    );
    await expect(waitUntilDeploymentSuccessful({ client: ops, ...fastWaiter }, { DeploymentIds: [DeploymentId] })).rejects.toThrow(/FAILURE/);
    const byApp = await ops.send(new DescribeDeploymentsCommand({ AppId: APP }));
    expect(byApp.Deployments?.[0]).toMatchObject({ DeploymentId, Status: "failed", InstanceIds: [OPS1, OPS2] });
  });

  it("CreateDeployment validates its references", async () => {
    await expect(
      ops.send(new CreateDeploymentCommand({ StackId: STACK, AppId: "nope", Command: { Name: "deploy" } })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(ops.send(new CreateDeploymentCommand({ StackId: STACK, Command: { Name: "deploy" } }))).rejects.toBeInstanceOf(
      ValidationException,
    );
    await expect(
      ops.send(new CreateDeploymentCommand({ StackId: STACK, AppId: APP, Command: { Name: "explode" as "deploy" } })),
    ).rejects.toBeInstanceOf(ValidationException);
  });
});

describe("StopInstance / DeleteInstance", () => {
  it("stops through 'stopping', refuses to delete an online instance, then deletes", async () => {
    await sim.control.config({ timeScale: 0 });
    try {
      await expect(ops.send(new DeleteInstanceCommand({ InstanceId: OPS1 }))).rejects.toBeInstanceOf(ValidationException);
      await ops.send(new StopInstanceCommand({ InstanceId: OPS1 }));
      const stopping = await ops.send(new DescribeInstancesCommand({ InstanceIds: [OPS1] }));
      expect(stopping.Instances?.[0]?.Status).toBe("stopping");
      await sim.control.advance(20);
      const stopped = await ops.send(new DescribeInstancesCommand({ InstanceIds: [OPS1] }));
      expect(stopped.Instances?.[0]?.Status).toBe("stopped");
      await ops.send(new DeleteInstanceCommand({ InstanceId: OPS1 }));
      const left = await ops.send(new DescribeInstancesCommand({ StackId: STACK }));
      expect(left.Instances?.map((i) => i.InstanceId)).toEqual([OPS2]);
      const state = await sim.control.state();
      expect(state.loadBalancers.find((l) => l.name === LB)?.instances.map((i) => i.InstanceId)).not.toContain(EC2_1);
      await expect(ops.send(new StopInstanceCommand({ InstanceId: OPS1 }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      await sim.control.config({ timeScale: 1 });
    }
  });

  it("a missing required parameter is a ValidationException naming the member", async () => {
    const err = await ops.send(new StopInstanceCommand({} as { InstanceId: string })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as Error).message).toMatch(/instanceId/);
  });
});

describe("throttling and bad requests", () => {
  it("the SDK retries ThrottlingException by itself; the log shows both attempts", async () => {
    const since = await sim.control.lastSeq();
    await sim.control.addFaults({ action: "opsworks:DescribeStacks", error: "ThrottlingException", count: 1 });
    const out = await ops.send(new DescribeStacksCommand({}));
    expect(out.$metadata.attempts).toBe(2);
    const calls = await sim.control.calls("DescribeStacks", since);
    expect(calls.map((c) => c.outcome)).toEqual(["error", "ok"]);
    expect(calls[0]).toMatchObject({ code: "ThrottlingException", status: 400, faulted: true });
  });

  it("an unknown action gets UnknownOperationException (400)", async () => {
    const res = await rawAws(sim.endpoint, "{}", {
      "x-amz-target": "OpsWorks_20130218.LaunchRockets",
      "content-type": "application/x-amz-json-1.1",
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ __type: "UnknownOperationException" });
  });

  it("a malformed JSON body gets SerializationException (400) and the server survives", async () => {
    const res = await rawAws(sim.endpoint, "{not json", {
      "x-amz-target": "OpsWorks_20130218.DescribeStacks",
      "content-type": "application/x-amz-json-1.1",
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ __type: "SerializationException" });
    const wrongType = await rawAws(sim.endpoint, JSON.stringify({ StackIds: "not-a-list" }), {
      "x-amz-target": "OpsWorks_20130218.DescribeStacks",
      "content-type": "application/x-amz-json-1.1",
    });
    expect(JSON.parse(wrongType.text)).toMatchObject({ __type: "SerializationException" });
    const stacks = await ops.send(new DescribeStacksCommand({}));
    expect(stacks.Stacks).toHaveLength(1);
  });

  it("an unsigned request is refused like AWS does", async () => {
    const res = await fetch(`${sim.endpoint}/`, {
      method: "POST",
      body: "{}",
      headers: { "x-amz-target": "OpsWorks_20130218.DescribeStacks", "content-type": "application/x-amz-json-1.1" },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { __type: string }).__type).toBe("MissingAuthenticationTokenException");
  });

  it("injected errors without a modelled class still reach the caller as a service exception", async () => {
    await sim.control.addFaults({ action: "DescribeApps", error: "AccessDeniedException", count: 1 });
    const err = await ops.send(new DescribeAppsCommand({ StackId: STACK })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpsWorksServiceException);
    expect((err as Error).name).toBe("AccessDeniedException");
    expect((err as OpsWorksServiceException).$metadata.httpStatusCode).toBe(403);
  });
});
