import {
  CreateDeploymentCommand,
  DeleteInstanceCommand,
  DescribeAppsCommand,
  DescribeDeploymentsCommand,
  DescribeInstancesCommand,
  DescribeLayersCommand,
  DescribeStacksCommand,
  OpsWorksClient,
  ResourceNotFoundException,
  StopInstanceCommand,
} from "@aws-sdk/client-opsworks";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { OpsWorksInstanceInventory } from "../../src/aws/opsworks/OpsWorksInstanceInventory.js";
import { OpsWorksStacks } from "../../src/aws/opsworks/OpsWorksStacks.js";
import { opsworksRequests } from "../../src/aws/opsworks/requests.js";
import { CloudResourceNotFoundError, CloudUnavailableError } from "../../src/errors.js";
import { offline } from "./support.js";

/** Adapter unit tests: the exact requests, no I/O. The same adapter runs against the simulator in deploy/adapters.sim.test.ts. */
const client = new OpsWorksClient(offline);
const mock = mockClient(client);
afterEach(() => mock.reset());

const notFound = () => new ResourceNotFoundException({ message: "Unable to find instance", $metadata: { httpStatusCode: 400 } });
const inputs = <T>(command: new (...args: never[]) => T) => mock.commandCalls(command as never).map((call) => call.args[0].input);

describe("Module: opsworksRequests (requests as data)", () => {
  it("builds CreateDeployment with the deploy command, migrate as a string list, and the comment", () => {
    expect(opsworksRequests.createDeployment({ stackId: "s-1", appId: "a-1", instanceIds: ["i-1", "i-2"], migrate: false, comment: "scythe:x:1" })).toEqual({
      StackId: "s-1",
      AppId: "a-1",
      InstanceIds: ["i-1", "i-2"],
      Command: { Name: "deploy", Args: { migrate: ["false"] } },
      Comment: "scythe:x:1",
    });
  });

  it("describes stacks by id, or every stack when none are given", () => {
    expect(opsworksRequests.describeStacks(["s-1", "s-2"])).toEqual({ StackIds: ["s-1", "s-2"] });
    expect(opsworksRequests.describeStacks()).toEqual({});
  });
});

describe("Class: OpsWorksStacks", () => {
  describe("Method: listInstances", () => {
    it("sends DescribeInstances by layer and keeps only the stack's instances, in hostname order", async () => {
      mock.on(DescribeInstancesCommand).resolves({
        Instances: [
          { InstanceId: "i-2", Hostname: "web2", StackId: "s-1", Status: "online", Ec2InstanceId: "e-2" },
          { InstanceId: "i-9", Hostname: "web0", StackId: "other", Status: "online" },
          { InstanceId: "i-1", Hostname: "web1", StackId: "s-1", Status: "stopped" },
        ],
      });
      const listed = await new OpsWorksStacks(client).listInstances("s-1", "l-1");
      expect(inputs(DescribeInstancesCommand)).toEqual([{ LayerId: "l-1" }]);
      expect(listed).toEqual([
        { instanceId: "i-1", hostname: "web1", status: "stopped" },
        { instanceId: "i-2", hostname: "web2", status: "online", endpointId: "e-2" },
      ]);
    });
  });

  describe("Method: locate", () => {
    it("describes the stack, layer and app by id; a ResourceNotFoundException is an id that does not exist", async () => {
      mock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackId: "s-1" }] });
      mock.on(DescribeLayersCommand).rejects(notFound());
      mock.on(DescribeAppsCommand).resolves({ Apps: [{ AppId: "a-1", StackId: "s-2" }] });
      expect(await new OpsWorksStacks(client).locate({ stackId: "s-1", layerId: "l-1", appId: "a-1" })).toEqual({ stackExists: true, appStackId: "s-2" });
      expect(inputs(DescribeStacksCommand)).toEqual([{ StackIds: ["s-1"] }]);
      expect(inputs(DescribeLayersCommand)).toEqual([{ LayerIds: ["l-1"] }]);
      expect(inputs(DescribeAppsCommand)).toEqual([{ AppIds: ["a-1"] }]);
    });
  });

  describe("Method: startDeployment", () => {
    it("sends exactly the built CreateDeployment input and returns its id", async () => {
      mock.on(CreateDeploymentCommand).resolves({ DeploymentId: "d-1" });
      const request = { stackId: "s-1", appId: "a-1", instanceIds: ["i-1"], migrate: true, comment: "scythe:e:0" };
      expect(await new OpsWorksStacks(client).startDeployment(request)).toBe("d-1");
      expect(inputs(CreateDeploymentCommand)).toEqual([
        { StackId: "s-1", AppId: "a-1", InstanceIds: ["i-1"], Command: { Name: "deploy", Args: { migrate: ["true"] } }, Comment: "scythe:e:0" },
      ]);
    });

    it("an answer without a DeploymentId is a temporary failure, not a success", async () => {
      mock.on(CreateDeploymentCommand).resolves({});
      await expect(new OpsWorksStacks(client).startDeployment({ stackId: "s", appId: "a", instanceIds: [], migrate: true, comment: "c" })).rejects.toBeInstanceOf(
        CloudUnavailableError,
      );
    });
  });

  describe("Method: getDeployment / findDeployments", () => {
    it("describes one deployment by id, and an app's deployments filtered by comment", async () => {
      mock.on(DescribeDeploymentsCommand, { DeploymentIds: ["d-1"] }).resolves({ Deployments: [{ DeploymentId: "d-1", Status: "successful", InstanceIds: ["i-1"] }] });
      mock.on(DescribeDeploymentsCommand, { AppId: "a-1" }).resolves({
        Deployments: [
          { DeploymentId: "d-2", Status: "running", Comment: "mine" },
          { DeploymentId: "d-3", Status: "failed", Comment: "theirs" },
        ],
      });
      const opsworks = new OpsWorksStacks(client);
      expect(await opsworks.getDeployment("d-1")).toEqual({ deploymentId: "d-1", status: "successful", instanceIds: ["i-1"] });
      expect(await opsworks.findDeployments("a-1", "mine")).toEqual([{ deploymentId: "d-2", status: "running", instanceIds: [], comment: "mine" }]);
      expect(inputs(DescribeDeploymentsCommand)).toEqual([{ DeploymentIds: ["d-1"] }, { AppId: "a-1" }]);
    });

    it("a deployment missing from the answer is not found", async () => {
      mock.on(DescribeDeploymentsCommand).resolves({ Deployments: [] });
      await expect(new OpsWorksStacks(client).getDeployment("d-1")).rejects.toBeInstanceOf(CloudResourceNotFoundError);
    });
  });

  describe("Methods: status / stop / delete (instance teardown)", () => {
    it("sends DescribeInstances, StopInstance and DeleteInstance by instance id", async () => {
      mock.on(DescribeInstancesCommand).resolves({ Instances: [{ InstanceId: "i-1", Status: "online" }] });
      mock.on(StopInstanceCommand).resolves({});
      mock.on(DeleteInstanceCommand).resolves({});
      const opsworks = new OpsWorksStacks(client);
      expect(await opsworks.status("i-1")).toBe("online");
      await opsworks.stop("i-1");
      expect(await opsworks.delete("i-1")).toBe("deleted");
      expect(inputs(DescribeInstancesCommand)).toEqual([{ InstanceIds: ["i-1"] }]);
      expect(inputs(StopInstanceCommand)).toEqual([{ InstanceId: "i-1" }]);
      expect(inputs(DeleteInstanceCommand)).toEqual([{ InstanceId: "i-1" }]);
    });

    it("only ResourceNotFoundException counts as gone; an answer without the instance proves nothing", async () => {
      mock.on(DescribeInstancesCommand).rejectsOnce(notFound()).resolves({ Instances: [] });
      mock.on(StopInstanceCommand).rejects(notFound());
      mock.on(DeleteInstanceCommand).rejects(notFound());
      const opsworks = new OpsWorksStacks(client);
      expect(await opsworks.status("i-1")).toBeUndefined();
      await expect(opsworks.stop("i-1")).resolves.toBeUndefined();
      expect(await opsworks.delete("i-1")).toBe("already-gone");
      await expect(opsworks.status("i-1")).rejects.toBeInstanceOf(CloudUnavailableError);
    });
  });
});

describe("Class: OpsWorksInstanceInventory", () => {
  it("lists the given stacks' instances: DescribeStacks by id, then DescribeInstances per stack", async () => {
    mock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackId: "s-1" }, { StackId: "s-2" }] });
    mock.on(DescribeInstancesCommand, { StackId: "s-1" }).resolves({ Instances: [{ InstanceId: "i-1", Hostname: "scythe-1a2b-web" }] });
    mock.on(DescribeInstancesCommand, { StackId: "s-2" }).resolves({ Instances: [{ InstanceId: "i-2" }] });
    const listed = await new OpsWorksInstanceInventory(client, ["s-1", "s-2"]).list();
    expect(listed).toEqual([{ kind: "instance", name: "scythe-1a2b-web", id: "i-1" }]);
    expect(inputs(DescribeStacksCommand)).toEqual([{ StackIds: ["s-1", "s-2"] }]);
    expect(inputs(DescribeInstancesCommand)).toEqual([{ StackId: "s-1" }, { StackId: "s-2" }]);
  });

  it("stops a running instance (pending), deletes a stopped one (removed)", async () => {
    mock.on(DescribeInstancesCommand).resolvesOnce({ Instances: [{ InstanceId: "i-1", Status: "online" }] }).resolves({ Instances: [{ InstanceId: "i-1", Status: "stopped" }] });
    const inventory = new OpsWorksInstanceInventory(client);
    const resource = { kind: "instance", name: "scythe-1a2b-web", id: "i-1" };
    expect(await inventory.remove(resource)).toBe("pending");
    expect(await inventory.remove(resource)).toBe("removed");
    expect(inputs(StopInstanceCommand)).toEqual([{ InstanceId: "i-1" }]);
    expect(inputs(DeleteInstanceCommand)).toEqual([{ InstanceId: "i-1" }]);
  });
});
