import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { DynamoDeployJournal } from "@scythe/core/aws/dynamo";
import { type DeployServices, type DeployTarget } from "@scythe/core/deploy";
import { BadInputError, ValidationError } from "@scythe/core/errors";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import { freshTables } from "../../../../test/support/dynamo.js";
import { errorFromCause } from "../../src/deploy/cause.js";
import { makeHandler as cleanup } from "../../src/deploy/cleanup.js";
import { makeHandler as makeValidate } from "../../src/deploy/validate.js";

const context = { functionName: "scythe-test", awsRequestId: "req-1", getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
const unused = new Proxy({} as never, { get: () => () => Promise.reject(new Error("not expected in this test")) });

/** A fleet of one stack s-1 (layer l-1 with two online instances, app a-1) and a stack s-2 (layer l-2, app a-2). */
const fleet: DeployTarget = {
  locate: ({ stackId, layerId, appId }) =>
    Promise.resolve({
      stackExists: ["s-1", "s-2", "s-3"].includes(stackId),
      ...({ "l-1": { layerStackId: "s-1" }, "l-2": { layerStackId: "s-2" }, "l-3": { layerStackId: "s-3" } }[layerId] ?? {}),
      ...({ "a-1": { appStackId: "s-1" }, "a-2": { appStackId: "s-2" }, "a-3": { appStackId: "s-3" } }[appId] ?? {}),
    }),
  listInstances: (_stackId, layerId) =>
    Promise.resolve(
      layerId === "l-1"
        ? [{ instanceId: "o-1", hostname: "web1", status: "online" }, { instanceId: "o-2", hostname: "web2", status: "online" }]
        : layerId === "l-3"
          ? [{ instanceId: "o-3", hostname: "web3", status: "stopped" }]
          : [],
    ),
  startDeployment: () => Promise.reject(new Error("not expected")),
  getDeployment: () => Promise.reject(new Error("not expected")),
  findDeployments: () => Promise.reject(new Error("not expected")),
};
const validate = () => makeValidate(() => ({ target: fleet }));

describe("Handler: deploy validate", () => {
  it("derives the config, defaults applied and the lock named by scope", async () => {
    const config = await validate()(
      { input: { stackId: "s-1", layerId: "l-1", appId: "a-1", lockScope: "global" }, executionId: "arn:exec:1", startedAt: "2026-01-01T00:00:00.000Z" },
      context,
    );
    expect(config).toMatchObject({
      stackId: "s-1",
      batchSize: 1,
      migrate: true,
      deployTimeoutSeconds: 1800,
      lockName: "deploy/global",
      executionId: "arn:exec:1",
      startedAt: Date.parse("2026-01-01T00:00:00.000Z"),
    });
  });

  it.each([
    [{ stackId: "s-1", layerId: "l-1" }, "appId"],
    [{ stackId: "s 1", layerId: "l-1", appId: "a" }, "stackId"],
    [{ stackId: "s", layerId: "l", appId: "a", batchSize: 1.5 }, "batchSize"],
    [{ stackId: "s", layerId: "l", appId: "a", lockScope: "world" }, "lockScope"],
    [{ stackId: "s", layerId: "l", appId: "a", pollSeconds: { deploy: 300 } }, "leaseSeconds"],
    // No task renews the lease while a deployment is awaited (up to its 120 s heartbeat).
    [{ stackId: "s", layerId: "l", appId: "a", leaseSeconds: 60, pollSeconds: { lock: 1, drain: 1, deploy: 1, health: 1 } }, "leaseSeconds"],
    [{ stackId: "s", layerId: "l", appId: "a", batchsize: 2 }, "batchsize"],
    [{ stackId: "s", layerId: "l", appId: "a", heartbeatSeconds: 5 }, "heartbeatSeconds"],
    [{ stackId: "s", layerId: "l", appId: "a", heartbeatSeconds: "120" }, "heartbeatSeconds"],
    // A longer heartbeat needs a longer lease: 2 x 200 + 10.
    [{ stackId: "s", layerId: "l", appId: "a", heartbeatSeconds: 200, leaseSeconds: 300 }, "leaseSeconds"],
  ])("refuses %j naming %s", async (input, field) => {
    const error = await validate()({ input, executionId: "e", startedAt: "2026-01-01T00:00:00Z" }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
  });
});

describe("Handler: deploy validate, against the fleet", () => {
  it.each([
    [{ stackId: "s-9", layerId: "l-1", appId: "a-1" }, "stackId", 'stack "s-9" does not exist'],
    [{ stackId: "s-1", layerId: "l-9", appId: "a-1" }, "layerId", 'layer "l-9" does not exist'],
    [{ stackId: "s-1", layerId: "l-2", appId: "a-1" }, "layerId", 'layer "l-2" belongs to stack "s-2", not to stack "s-1"'],
    [{ stackId: "s-1", layerId: "l-1", appId: "a-9" }, "appId", 'app "a-9" does not exist'],
    [{ stackId: "s-1", layerId: "l-1", appId: "a-2" }, "appId", 'app "a-2" belongs to stack "s-2", not to stack "s-1"'],
    [{ stackId: "s-1", layerId: "l-1", appId: "a-1", batchSize: 3 }, "batchSize", "must be at most 2, the number of online instances"],
    [{ stackId: "s-2", layerId: "l-2", appId: "a-2" }, "layerId", 'layer "l-2" has no instances: nothing to deploy'],
    [{ stackId: "s-3", layerId: "l-3", appId: "a-3" }, "layerId", 'layer "l-3" has 1 instance(s), none online: nothing to deploy'],
  ])("refuses %j naming %s", async (input, field, message) => {
    const error = await validate()({ input, executionId: "e", startedAt: "2026-01-01T00:00:00Z" }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as BadInputError).field).toBe(field);
    expect((error as Error).message).toContain(message);
  });

  it("accepts a batch as large as the layer's online instances", async () => {
    const config = await validate()({ input: { stackId: "s-1", layerId: "l-1", appId: "a-1", batchSize: 2 }, executionId: "e", startedAt: "2026-01-01T00:00:00Z" }, context);
    expect(config).toMatchObject({ batchSize: 2 });
  });
});

describe("Handler: deploy cleanup (the status-change rule's target)", () => {
  it("releases the lock of an execution that failed before recording anything, found from its input", async () => {
    const { doc, names } = await freshTables();
    const lockStore = new DynamoLockStore(doc, { tableName: names.locks });
    const services = { target: unused, loadBalancers: unused, claims: unused, journal: new DynamoDeployJournal(doc, { tableName: names.registry }), lockStore, waits: unused, callbacks: unused } as DeployServices;
    const executionArn = "arn:aws:states:us-east-1:1:execution:deploy:early";
    await new LockService({ store: lockStore, ownerId: executionArn }).acquire("deploy/stack/s-9", { leaseMs: 60_000 });
    const report = await cleanup(() => services)(
      {
        source: "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        detail: { executionArn, status: "TIMED_OUT", input: JSON.stringify({ stackId: "s-9", layerId: "l", appId: "a" }) },
      },
      context,
    );
    expect(report).toEqual({ executionId: executionArn, status: "unknown", reattached: [], failures: [], lockReleased: true });
    expect((await new LockService({ store: lockStore }).status("deploy/stack/s-9")).held).toBe(false);
  });

  it("refuses an event that is not a stopped execution's status change", async () => {
    const error = await cleanup(() => ({}) as DeployServices)(
      { source: "aws.states", "detail-type": "Step Functions Execution Status Change", detail: { executionArn: "x", status: "SUCCEEDED" } } as never,
      context,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("detail.status");
  });
});

describe("Function: errorFromCause", () => {
  it("reads a Lambda cause, and keeps any other cause as text", () => {
    expect(errorFromCause("E", JSON.stringify({ errorType: "E", errorMessage: "boom", trace: [] }))).toEqual({ name: "E", message: "boom" });
    expect(errorFromCause("States.Timeout", "timed out")).toEqual({ name: "States.Timeout", message: "timed out" });
    expect(errorFromCause("X", undefined)).toEqual({ name: "X", message: "" });
  });
});
