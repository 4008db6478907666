import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScythe } from "../support/cli.js";
import { freshTables, stageEnv } from "../support/dynamo.js";

/**
 * `scythe deploy --heartbeat <duration>`: how long a deployment is awaited without an event
 * before one direct check (the input's heartbeatSeconds), read like every other duration of
 * the command, with the lock's lease lengthened to outlast it. Against a deployed stage whose
 * Step Functions is a loopback stub recording what it was asked, so the exact input is seen,
 * and a refusal is seen to start nothing.
 */
let server: Server;
let env: NodeJS.ProcessEnv;
const started: Record<string, unknown>[] = [];
const arn = "arn:aws:states:us-east-1:123456789012:stateMachine:prod-scythe-Deploys";

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      res.setHeader("content-type", "application/x-amz-json-1.0");
      if (req.headers["x-amz-target"] === "AWSStepFunctions.StartExecution") {
        started.push(JSON.parse(String(body.input)) as Record<string, unknown>);
        res.end(JSON.stringify({ executionArn: `${arn.replace(":stateMachine:", ":execution:")}:exec-${started.length}`, startDate: Date.now() / 1000 }));
        return;
      }
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: "UnknownOperationException", message: String(req.headers["x-amz-target"]) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const tables = await freshTables();
  env = stageEnv(tables, `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, { SCYTHE_DEPLOY_STATE_MACHINE_ARN: arn });
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const deploy = (...args: string[]) => runScythe(["deploy", "--asg", "shop", "--command", "./deploy.sh", ...args, "--json"], { env });

describe("CLI: scythe deploy --heartbeat", () => {
  it.each([
    // [typed, heartbeatSeconds, leaseSeconds sent (none: the input's default 300 s already outlasts it)]
    ["10s", 10, undefined],
    ["90s", 90, undefined],
    ["145s", 145, undefined],
    ["5m", 300, 610],
    ["1795s", 1795, 3600],
  ] as const)("--heartbeat %s starts the rollout with heartbeatSeconds %s and a lease that outlasts it", async (typed, heartbeatSeconds, leaseSeconds) => {
    started.length = 0;
    const result = await deploy("--heartbeat", typed);
    expect(result.code, result.stderr).toBe(0);
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ ec2: { asg: "shop" }, heartbeatSeconds });
    expect(started[0]?.leaseSeconds).toBe(leaseSeconds);
  });

  it("repeated with the same value is that value", async () => {
    started.length = 0;
    const result = await deploy("--heartbeat", "3m", "--heartbeat", "3m");
    expect(result.code, result.stderr).toBe(0);
    expect(started[0]).toMatchObject({ heartbeatSeconds: 180, leaseSeconds: 370 });
  });

  it.each([
    [["10"], "has no unit: write 7m, 30s or 1h"],
    [["0"], "has no unit"],
    [["0s"], "must be longer than 0"],
    [["5s"], "must be at least 10 s (10s)"],
    [["500ms"], "must be at least 10 s (10s)"],
    [["2h"], '"2h" must be at most 1795 s (29m 55s): the deploy lock\'s lease, at most 3600 s (1h), must outlast twice the heartbeat plus 10 s'],
    [["30m"], "must be at most 1795 s (29m 55s)"],
    [["0.5h"], "must be at most 1795 s (29m 55s)"],
    [["-5m"], "is negative"],
    [["soon"], "is not a duration"],
    [[""], "is empty"],
    [["1e3s"], "is not a duration"],
  ])("refuses --heartbeat %j with exit 2 naming the option, starting nothing", async (value, message) => {
    started.length = 0;
    const result = await deploy("--heartbeat", ...value);
    expect(result.code).toBe(2);
    const error = (JSON.parse(result.stdout) as { error: { name: string; field: string; message: string } }).error;
    expect(error).toMatchObject({ name: "ValidationError", field: "--heartbeat" });
    expect(error.message).toContain(message);
    // Never the validator's notation nor the input's own field name.
    expect(error.message).not.toMatch(/heartbeatSeconds|leaseSeconds|<=|>=/);
    expect(started).toEqual([]);
  });

  it("refuses --heartbeat given twice with different values, starting nothing", async () => {
    started.length = 0;
    const result = await deploy("--heartbeat", "1m", "--heartbeat", "2m");
    expect(result.code).toBe(2);
    expect(`${result.stdout}${result.stderr}`).toContain("option '--heartbeat' given more than once with different values (\"1m\", \"2m\")");
    expect(started).toEqual([]);
  });
});
