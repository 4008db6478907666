import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScythe } from "../support/cli.js";
import { freshTables, stageEnv } from "../support/dynamo.js";

/**
 * `scythe deploy` against a deployed stage, as under `npx sst bind`: the bound table names
 * and the SDK's default clients, with Step Functions answered by a loopback stub that
 * speaks its JSON protocol and records what it was asked.
 */
let server: Server;
let endpoint = "";
let env: NodeJS.ProcessEnv;
const calls: { target: string; body: Record<string, unknown> }[] = [];
let outcome: { status: string; output?: string; error?: string; cause?: string } = { status: "SUCCEEDED" };
let describes = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      calls.push({ target, body });
      res.setHeader("content-type", "application/x-amz-json-1.0");
      if (target === "AWSStepFunctions.StartExecution") {
        res.end(JSON.stringify({ executionArn: `${String(body.stateMachineArn)}:exec-1`.replace(":stateMachine:", ":execution:"), startDate: Date.now() / 1000 }));
        return;
      }
      if (target === "AWSStepFunctions.DescribeExecution") {
        describes++;
        const status = describes === 1 ? "RUNNING" : outcome.status;
        res.end(JSON.stringify({ executionArn: body.executionArn, stateMachineArn: "sm", status, startDate: Date.now() / 1000, ...(status !== "RUNNING" ? outcome : {}) }));
        return;
      }
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: "UnknownOperationException", message: target }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const tables = await freshTables();
  env = stageEnv(tables, endpoint);
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const arn = "arn:aws:states:us-east-1:123456789012:stateMachine:prod-scythe-Deploys";

describe("CLI: scythe deploy on a deployed stage", () => {
  it("starts the stage's state machine with the validated input and returns at once without --follow", async () => {
    calls.length = 0;
    const result = await runScythe(["deploy", "--stack", "stack-1", "--layer", "layer-1", "--app", "app-1", "--batch", "2", "--state-machine", arn, "--json"], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: "RUNNING", executionArn: expect.stringContaining(":execution:") });
    expect(calls.map((c) => c.target)).toEqual(["AWSStepFunctions.StartExecution"]);
    expect(calls[0]?.body.stateMachineArn).toBe(arn);
    expect(JSON.parse(String(calls[0]?.body.input))).toMatchObject({ stackId: "stack-1", layerId: "layer-1", appId: "app-1", batchSize: 2 });
  });

  it("follows an execution to its end and fails, with the deployment's cause, when it fails", async () => {
    calls.length = 0;
    describes = 0;
    outcome = { status: "FAILED", error: "DeploymentFailedError", cause: JSON.stringify({ errorMessage: "deployment d-42 on i-2 ended failed" }) };
    const result = await runScythe(["deploy", "--stack", "stack-1", "--layer", "layer-1", "--app", "app-1", "--follow", "--state-machine", arn], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("DeploymentFailedError");
    expect(result.stderr).toContain("deployment d-42 on i-2 ended failed");
    expect(calls.filter((c) => c.target === "AWSStepFunctions.DescribeExecution").length).toBe(2);
  });

  it("refuses to start without a state machine, naming the option, and calls nothing", async () => {
    calls.length = 0;
    const result = await runScythe(["deploy", "--stack", "s", "--layer", "l", "--app", "a", "--json"], { env: { ...env, SCYTHE_DEPLOY_STATE_MACHINE_ARN: "" } });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { field: "--state-machine" } });
    expect(calls).toEqual([]);
  });
});
