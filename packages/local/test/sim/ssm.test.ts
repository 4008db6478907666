import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
  paginateListCommandInvocations,
  waitUntilCommandExecuted,
} from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator, type SsmStatusEvent } from "../../src/sim/index.js";
/** This SDK version's waiter takes whole seconds. */
const ssmWaiter = { minDelay: 1, maxDelay: 1, maxWaitTime: 30 };

const credentials = { accessKeyId: "x", secretAccessKey: "x" };
const id = (n: number): string => `i-${n.toString(16).padStart(17, "0")}`;
const ONE = id(1);
const TWO = id(2);
const STOPPED = id(3);

let sim: FleetSimulator;
let ssm: SSMClient;
let received: SsmStatusEvent[];
let detach: () => void;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0 });
  ssm = new SSMClient({ endpoint: sim.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
  detach = sim.onSsmEvent((e) => {
    received.push(e);
  });
});
afterAll(async () => {
  detach();
  ssm.destroy();
  await sim.close();
});
beforeEach(async () => {
  received = [];
  await sim.control.reset();
  await sim.control.config({ ssmPendingSeconds: 2, ssmRunSeconds: 10, ssmEventMaxDelaySeconds: 0, ssmEventDuplicateProbability: 0 });
  await sim.control.seed({ ec2Instances: [{ InstanceId: ONE }, { InstanceId: TWO }, { InstanceId: STOPPED, State: "stopped" }], ssmDocuments: ["Scythe-Deploy"] });
});

const send = (instanceIds: string[], commands = ["echo hi"], extra: Record<string, string[]> = {}) =>
  ssm.send(new SendCommandCommand({ DocumentName: "AWS-RunShellScript", InstanceIds: instanceIds, Parameters: { commands, ...extra }, Comment: "deploy" }));

const invocation = (CommandId: string, InstanceId: string) => ssm.send(new GetCommandInvocationCommand({ CommandId, InstanceId }));

const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe("SSM Run Command through the real SDK", () => {
  it("an invocation goes Pending → InProgress → Success on the simulated clock", async () => {
    const sent = await send([ONE, TWO], ["cd /srv/app", "./deploy.sh"]);
    const commandId = sent.Command?.CommandId ?? "";
    expect(sent.Command).toMatchObject({ DocumentName: "AWS-RunShellScript", Status: "Pending", TargetCount: 2, InstanceIds: [ONE, TWO], Comment: "deploy" });
    expect(sent.Command?.RequestedDateTime).toBeInstanceOf(Date);
    expect(await invocation(commandId, ONE)).toMatchObject({ Status: "Pending", ResponseCode: -1 });
    await sim.control.advance(2);
    expect(await invocation(commandId, ONE)).toMatchObject({ Status: "InProgress", StatusDetails: "InProgress" });
    await sim.control.advance(9.9);
    expect((await invocation(commandId, ONE)).Status).toBe("InProgress");
    await sim.control.advance(0.1);
    const done = await invocation(commandId, ONE);
    expect(done).toMatchObject({ Status: "Success", ResponseCode: 0, StandardOutputContent: "+ cd /srv/app\n+ ./deploy.sh", ExecutionElapsedTime: "PT10.000S" });
    const command = (await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands?.[0];
    expect(command).toMatchObject({ Status: "Success", CompletedCount: 2, ErrorCount: 0 });
  });

  it("a failure fault fails the invocation on the chosen instance only; executionTimeout times out", async () => {
    await sim.control.failSsmInvocations([TWO]);
    const commandId = (await send([ONE, TWO])).Command?.CommandId ?? "";
    await sim.control.advance(12);
    expect((await invocation(commandId, ONE)).Status).toBe("Success");
    expect(await invocation(commandId, TWO)).toMatchObject({ Status: "Failed", ResponseCode: 1 });
    expect((await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands?.[0]).toMatchObject({ Status: "Failed", ErrorCount: 1 });
    const again = (await send([TWO])).Command?.CommandId ?? "";
    await sim.control.advance(12);
    expect((await invocation(again, TWO)).Status).toBe("Success"); // the fault was for one invocation
    const slow = (await send([ONE], ["sleep 60"], { executionTimeout: ["5"] })).Command?.CommandId ?? "";
    await sim.control.advance(7);
    expect(await invocation(slow, ONE)).toMatchObject({ Status: "TimedOut", StatusDetails: "ExecutionTimedOut" });
  });

  it("CancelCommand cancels what has not finished", async () => {
    const commandId = (await send([ONE, TWO])).Command?.CommandId ?? "";
    await sim.control.advance(3);
    await ssm.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [TWO] }));
    await sim.control.advance(20);
    expect((await invocation(commandId, ONE)).Status).toBe("Success");
    expect((await invocation(commandId, TWO)).Status).toBe("Cancelled");
  });

  it("answers SSM's error codes", async () => {
    expect(await failure(send([STOPPED]))).toMatchObject({ name: "InvalidInstanceId" });
    expect(await failure(send(["i-0123456789abcdef0"]))).toMatchObject({ name: "InvalidInstanceId" });
    expect(await failure(ssm.send(new SendCommandCommand({ DocumentName: "Nope", InstanceIds: [ONE] })))).toMatchObject({ name: "InvalidDocument" });
    expect(await failure(send([ONE], []))).toMatchObject({ name: "InvalidParameters" });
    expect(await failure(invocation("00000000-0000-4000-8000-000000000000", ONE))).toMatchObject({ name: "InvocationDoesNotExist" });
    await sim.control.config({ ssmInvocationVisibleSeconds: 1 });
    const fresh = (await send([ONE])).Command?.CommandId ?? "";
    expect(await failure(invocation(fresh, ONE))).toMatchObject({ name: "InvocationDoesNotExist" });
    await sim.control.advance(1);
    expect((await invocation(fresh, ONE)).Status).toBe("Pending");
    expect(await failure(ssm.send(new ListCommandInvocationsCommand({ CommandId: "00000000-0000-4000-8000-000000000000" })))).toMatchObject({ name: "InvalidCommandId" });
    expect(await failure(ssm.send(new ListCommandInvocationsCommand({ NextToken: "garbage" })))).toMatchObject({ name: "InvalidNextToken" });
    const named = await ssm.send(new SendCommandCommand({ DocumentName: "Scythe-Deploy", InstanceIds: [ONE], Parameters: { version: ["42"] } }));
    expect(named.Command?.DocumentName).toBe("Scythe-Deploy");
  });

  it("ListCommandInvocations pages with NextToken (newest command first) and shows plugin details", async () => {
    for (let k = 0; k < 3; k++) await send([ONE, TWO], [`echo ${k}`]);
    await sim.control.advance(12);
    const pages: string[][] = [];
    for await (const p of paginateListCommandInvocations({ client: ssm, pageSize: 4 }, { Details: true })) {
      pages.push((p.CommandInvocations ?? []).map((i) => `${i.InstanceId}:${i.CommandPlugins?.[0]?.Output ?? ""}`));
    }
    expect(pages).toEqual([
      [`${ONE}:+ echo 2`, `${TWO}:+ echo 2`, `${ONE}:+ echo 1`, `${TWO}:+ echo 1`],
      [`${ONE}:+ echo 0`, `${TWO}:+ echo 0`],
    ]);
    const forTwo = await ssm.send(new ListCommandInvocationsCommand({ InstanceId: TWO }));
    expect(forTwo.CommandInvocations?.map((i) => i.Status)).toEqual(["Success", "Success", "Success"]);
  });

  it("publishes status-change events per instance as EventBridge would", async () => {
    await sim.control.failSsmInvocations([TWO]);
    const commandId = (await send([ONE, TWO])).Command?.CommandId ?? "";
    await sim.control.advance(12);
    const seen = received.map((e) => [e.detail["instance-id"], e.detail.status]);
    expect(seen).toEqual([
      [ONE, "Pending"],
      [TWO, "Pending"],
      [ONE, "InProgress"],
      [TWO, "InProgress"],
      [ONE, "Success"],
      [TWO, "Failed"],
    ]);
    expect(received[0]).toMatchObject({ source: "aws.ssm", "detail-type": "EC2 Command Invocation Status-change Notification", detail: { "command-id": commandId, "document-name": "AWS-RunShellScript" } });
  });

  it("delivery is at least once: late copies and duplicates with the same id, never lost", async () => {
    await sim.control.config({ ssmEventMaxDelaySeconds: 30, ssmEventDuplicateProbability: 0.5 });
    const commandIds: string[] = [];
    for (let k = 0; k < 10; k++) commandIds.push((await send([ONE, TWO])).Command?.CommandId ?? "");
    await sim.control.advance(12);
    const early = received.length;
    await sim.control.advance(60);
    expect(received.length).toBeGreaterThan(early); // some copies arrived after the invocations had ended
    const ids = received.map((e) => e.id);
    const distinct = new Set(ids);
    expect(distinct.size).toBe(10 * 2 * 3); // every status change of every invocation, at least once
    expect(ids.length).toBeGreaterThan(distinct.size); // and some twice
    const finals = received.filter((e) => e.detail.status === "Success");
    expect(new Set(finals.map((e) => `${e.detail["command-id"]}/${e.detail["instance-id"]}`)).size).toBe(20);
    const delivered = (await sim.control.events()).filter((e) => e.service === "ssm" && e.action === "EventDelivered");
    expect(delivered).toHaveLength(ids.length);
  });
});

describe("SSM waiter on a running clock", () => {
  it("waitUntilCommandExecuted rides out InvocationDoesNotExist, succeeds on Success and fails on Failed", async () => {
    const live = await startFleetSimulator({ timeScale: 2 });
    const client = new SSMClient({ endpoint: live.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
    try {
      await live.control.seed({ ec2Instances: [{ InstanceId: ONE }, { InstanceId: TWO }] });
      await live.control.failSsmInvocations([TWO]);
      await live.control.config({ ssmInvocationVisibleSeconds: 3 });
      const sent = await client.send(new SendCommandCommand({ DocumentName: "AWS-RunShellScript", InstanceIds: [ONE, TWO], Parameters: { commands: ["true"] } }));
      const CommandId = sent.Command?.CommandId ?? "";
      const ok = await waitUntilCommandExecuted({ client, ...ssmWaiter }, { CommandId, InstanceId: ONE });
      expect(ok.state).toBe("SUCCESS");
      await expect(waitUntilCommandExecuted({ client, ...ssmWaiter }, { CommandId, InstanceId: TWO })).rejects.toThrow(/FAILURE/);
    } finally {
      client.destroy();
      await live.close();
    }
  });
});
