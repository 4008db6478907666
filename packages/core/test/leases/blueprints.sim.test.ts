import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OpsWorksStacks } from "../../src/aws/opsworks/index.js";
import { AppApiError, AppBlueprint, HerokuAppTeardown, OpsWorksInstanceBlueprint, PermanentDestroyError, TransientDestroyError } from "../../src/leases/index.js";
import { type ResourceRecord } from "../../src/registry/index.js";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";
import { localCredentials, localRegion } from "../../../local/src/world/clients.js";

let sim: FleetSimulator;
let opsworks: OpsWorksClient;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 1, herokuToken: "tok" });
  opsworks = new OpsWorksClient({ endpoint: sim.endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 1 });
});
afterAll(async () => {
  opsworks.destroy();
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

const record = (attributes: Record<string, string>): ResourceRecord => ({
  id: "r-1", kind: "host", blueprint: "x", attributes, status: "released", version: 1, createdAt: 0, updatedAt: 0, leaseIds: [], references: [],
});

describe("Class: OpsWorksInstanceBlueprint (fleet simulator)", () => {
  const blueprint = () => new OpsWorksInstanceBlueprint({ instances: new OpsWorksStacks(opsworks), stopPollMs: 5 });

  it("stops a running instance (asking to be retried), then deletes it once stopped", async () => {
    const seeded = await sim.control.seed({ stacks: [{ StackId: "s", Name: "s" }], instances: [{ StackId: "s", Hostname: "h1" }] });
    const resource = record({ instanceId: seeded.instances[0]!.InstanceId });
    await expect(blueprint().destroy(resource)).rejects.toBeInstanceOf(TransientDestroyError);
    await new Promise((resolve) => setTimeout(resolve, 60)); // 20 simulated seconds of stopping
    expect(await blueprint().destroy(resource)).toBe("destroyed");
    expect(await blueprint().destroy(resource)).toBe("already-gone");
    expect((await sim.control.calls("StopInstance")).length).toBe(1);
    expect((await sim.control.calls("DeleteInstance")).map((e) => e.outcome)).toEqual(["ok"]);
  });

  it("treats throttling as temporary and a missing attribute as permanent", async () => {
    const seeded = await sim.control.seed({ stacks: [{ StackId: "s", Name: "s" }], instances: [{ StackId: "s", Hostname: "h1" }] });
    await sim.control.addFaults({ action: "opsworks:DescribeInstances", error: "ThrottlingException", count: 1 });
    await expect(blueprint().destroy(record({ instanceId: seeded.instances[0]!.InstanceId }))).rejects.toBeInstanceOf(TransientDestroyError);
    await expect(blueprint().destroy(record({}))).rejects.toBeInstanceOf(PermanentDestroyError);
  });

  it("counts only ResourceNotFoundException as gone: another 4xx is an error, an answer without the instance proves nothing", async () => {
    const seeded = await sim.control.seed({ stacks: [{ StackId: "s", Name: "s" }], instances: [{ StackId: "s", Hostname: "h1", Status: "stopped" }] });
    const resource = record({ instanceId: seeded.instances[0]!.InstanceId });
    await sim.control.addFaults({ action: "opsworks:DeleteInstance", error: "AccessDeniedException", status: 400, count: 1 });
    await expect(blueprint().destroy(resource)).rejects.toBeInstanceOf(PermanentDestroyError);
    await sim.control.addFaults({ action: "opsworks:DescribeInstances", error: "ValidationException", status: 400, count: 1 });
    await expect(blueprint().destroy(resource)).rejects.toBeInstanceOf(PermanentDestroyError);
    expect((await sim.control.state()).instances).toHaveLength(1);
    // A 200 that lists no instance is not AWS's answer for a missing one (that is ResourceNotFoundException).
    const empty = { send: async () => ({ Instances: [] }) } as unknown as OpsWorksClient;
    const gone = new OpsWorksInstanceBlueprint({ instances: new OpsWorksStacks(empty) });
    await expect(gone.destroy(resource)).rejects.toBeInstanceOf(TransientDestroyError);
  });

  it("vetoes expiry while the resource is protected", async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await blueprint().vetoExpiry({ resource: record({ protectedUntil: future }) })).toBe(`protected until ${future}`);
    expect(await blueprint().vetoExpiry({ resource: record({ protectedUntil: "2000-01-01T00:00:00Z" }) })).toBeUndefined();
  });
});

describe("Class: HerokuAppTeardown (fleet simulator)", () => {
  const teardown = (token = "tok") => new HerokuAppTeardown({ token, baseUrl: `${sim.endpoint}/heroku` });

  it("deletes an app, and reports an app that is not there as already gone", async () => {
    await sim.control.seed({ herokuApps: [{ name: "scythe-ci-1a2b" }] });
    expect(await teardown().deleteApp("scythe-ci-1a2b")).toBe("deleted");
    expect(await teardown().deleteApp("scythe-ci-1a2b")).toBe("already-gone");
  });

  it("throws a retryable error on 503 and 429, and a permanent one on bad credentials", async () => {
    await sim.control.seed({ herokuApps: [{ name: "scythe-ci-3c4d" }] });
    await sim.control.addFaults({ action: "heroku:DELETE /apps", status: 503, count: 1 });
    await expect(teardown().deleteApp("scythe-ci-3c4d")).rejects.toMatchObject({ status: 503, retryable: true });
    await sim.control.addFaults({ action: "heroku:DELETE /apps", status: 429, count: 1 });
    await expect(teardown().deleteApp("scythe-ci-3c4d")).rejects.toMatchObject({ status: 429, retryable: true });
    const error = await teardown("wrong").deleteApp("scythe-ci-3c4d").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppApiError);
    expect(error).toMatchObject({ status: 401, retryable: false });
  });

  it("waits while an app is already being deleted", async () => {
    await sim.control.config({ herokuDeleteSeconds: 1000 });
    await sim.control.seed({ herokuApps: [{ name: "scythe-ci-5e6f" }] });
    expect(await teardown().deleteApp("scythe-ci-5e6f")).toBe("deleted");
    await expect(teardown().deleteApp("scythe-ci-5e6f")).rejects.toMatchObject({ status: 403, retryable: true });
  });

  it("maps through the app blueprint: retryable → temporary, otherwise → permanent", async () => {
    await sim.control.seed({ herokuApps: [{ name: "scythe-ci-7a8b" }] });
    const blueprint = (token: string) => new AppBlueprint({ apps: teardown(token) });
    await expect(blueprint("wrong").destroy(record({ app: "scythe-ci-7a8b" }))).rejects.toBeInstanceOf(PermanentDestroyError);
    await sim.control.addFaults({ action: "heroku:DELETE /apps", status: 500, count: 1 });
    await expect(blueprint("tok").destroy(record({ app: "scythe-ci-7a8b" }))).rejects.toBeInstanceOf(TransientDestroyError);
    expect(await blueprint("tok").destroy(record({ app: "scythe-ci-7a8b" }))).toBe("destroyed");
    await expect(blueprint("tok").destroy(record({}))).rejects.toBeInstanceOf(PermanentDestroyError);
  });
});
