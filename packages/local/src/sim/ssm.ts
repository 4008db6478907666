/**
 * SSM Run Command (JSON 1.1, `AmazonSSM.<Action>`): SendCommand, GetCommandInvocation,
 * ListCommandInvocations, ListCommands, CancelCommand, DescribeDocument. Each invocation goes Pending → InProgress →
 * Success / Failed / TimedOut (or Cancelled) on the simulated clock and publishes EventBridge-style
 * status-change events.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { runCall, type CallContext, type CallSpec } from "./calls.js";
import { AwsError, statusForAwsCode, type SimError } from "./errors.js";
import { header, isRecord, parseJson, type Reply } from "./http.js";
import { optObject, optString, optStringList, reqString, type JsonInput } from "./jsonInput.js";
import { decodeToken, encodeToken } from "./queryService.js";
import { publishSsmEvent } from "./ssmEvents.js";
import { TERMINAL, type InvocationStatus, type SsmCommand, type SsmInvocation } from "./ssmState.js";
import type { World } from "./world.js";

const PREFIX = "AmazonSSM.";
const RUN_SHELL = "AWS-RunShellScript";

type SsmAction = (world: World, input: JsonInput, ctx: CallContext) => unknown;

const epoch = (world: World, t: number): number => (world.clock.epochMs + t * 1000) / 1000;

function managed(world: World, id: string): boolean {
  if (!world.state.ec2InstanceIds.has(id)) return false;
  const ec2 = world.state.ec2Instances.get(id);
  return ec2 === undefined || ec2.State === "running";
}

function stringMap(input: JsonInput, key: string): Record<string, string[]> {
  const value = optObject(input, key) ?? {};
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!Array.isArray(v) || !v.every((x): x is string => typeof x === "string")) {
      throw new AwsError("SerializationException", `Unexpected value for member '${key}.${k}': expected a list of strings`);
    }
    out[k] = v;
  }
  return out;
}

function numberIn(input: JsonInput, key: string, min: number, max: number): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new AwsError("ValidationException", `1 validation error detected: Value '${String(v)}' at '${key.charAt(0).toLowerCase() + key.slice(1)}' failed to satisfy constraint: Member must have value between ${min} and ${max}`);
  }
  return v;
}

function findCommand(world: World, commandId: string): SsmCommand {
  const command = world.state.ssmCommands.get(commandId);
  if (command === undefined) throw new AwsError("InvalidCommandId", `Command ${commandId} was not found.`);
  return command;
}

function event(world: World, command: SsmCommand, inv: SsmInvocation, at: number): void {
  publishSsmEvent(world, at, {
    version: "0",
    id: world.ids.uuid(),
    "detail-type": "EC2 Command Invocation Status-change Notification",
    source: "aws.ssm",
    account: "123456789012",
    time: world.clock.iso(at).replace(/\.\d{3}Z$/, "Z"),
    region: "us-east-1",
    resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${inv.instanceId}`],
    detail: {
      "command-id": command.commandId,
      "document-name": command.documentName,
      "instance-id": inv.instanceId,
      "requested-date-time": world.clock.iso(command.requestedTime),
      status: inv.status,
    },
  });
}

function move(world: World, command: SsmCommand, inv: SsmInvocation, at: number, status: InvocationStatus, details: string): void {
  Object.assign(inv, { status, statusDetails: details });
  if (status === "InProgress") inv.startTime = at;
  if (TERMINAL.has(status)) inv.endTime = at;
  event(world, command, inv, at);
}

function schedule(world: World, command: SsmCommand, inv: SsmInvocation, now: number): void {
  const { ssmPendingSeconds: pending, ssmRunSeconds: run } = world.config;
  const params = { CommandId: command.commandId, InstanceId: inv.instanceId };
  world.schedule(now + pending, { service: "ssm", action: "InvocationStarted", params }, (at) => {
    if (inv.status !== "Pending") return false;
    move(world, command, inv, at, "InProgress", "InProgress");
    const failing = world.state.ssmFailures.get(inv.instanceId) ?? 0;
    const fails = failing > 0;
    if (fails) {
      if (failing === 1) world.state.ssmFailures.delete(inv.instanceId);
      else world.state.ssmFailures.set(inv.instanceId, failing - 1);
    }
    const timesOut = command.executionTimeoutSeconds < run;
    const ends = at + (timesOut ? command.executionTimeoutSeconds : run);
    world.schedule(ends, { service: "ssm", action: "InvocationEnded", params }, (end) => {
      if (inv.status !== "InProgress") return false;
      if (timesOut) {
        inv.responseCode = -1;
        move(world, command, inv, end, "TimedOut", "ExecutionTimedOut");
      } else if (fails) {
        inv.responseCode = 1;
        inv.error = "failed to run commands: exit status 1";
        move(world, command, inv, end, "Failed", "Failed");
      } else {
        inv.responseCode = 0;
        inv.output = (command.parameters.commands ?? []).map((c) => `+ ${c}`).join("\n");
        move(world, command, inv, end, "Success", "Success");
      }
      return true;
    });
    return true;
  });
}

const sendCommand: SsmAction = (world, input, ctx) => {
  const documentName = reqString(input, "DocumentName");
  if (documentName !== RUN_SHELL && !world.state.ssmDocuments.has(documentName)) throw new AwsError("InvalidDocument", `Document ${documentName} does not exist.`);
  const instanceIds = optStringList(input, "InstanceIds") ?? [];
  if (input.Targets !== undefined) throw new AwsError("ValidationException", "The simulator accepts InstanceIds, not Targets");
  if (instanceIds.length === 0) throw new AwsError("ValidationException", "Please provide InstanceIds");
  if (instanceIds.length > 50) throw new AwsError("ValidationException", "InstanceIds: at most 50 instance ids");
  const parameters = stringMap(input, "Parameters");
  if (documentName === RUN_SHELL) {
    if ((parameters.commands ?? []).length === 0) throw new AwsError("InvalidParameters", "Parameter \"commands\" is required.");
    const unknown = Object.keys(parameters).find((k) => !["commands", "workingDirectory", "executionTimeout"].includes(k));
    if (unknown !== undefined) throw new AwsError("InvalidParameters", `Parameter "${unknown}" is not defined in the document.`);
  }
  const bad = instanceIds.filter((id) => !managed(world, id));
  if (bad.length > 0) throw new AwsError("InvalidInstanceId", `Instances [[${bad.join(", ")}]] not in a valid state for account 123456789012`);
  const timeoutSeconds = numberIn(input, "TimeoutSeconds", 30, 2_592_000) ?? 3600;
  const executionTimeout = Number(parameters.executionTimeout?.[0] ?? "3600");
  if (!Number.isInteger(executionTimeout) || executionTimeout < 1 || executionTimeout > 172800) {
    throw new AwsError("InvalidParameters", "Parameter \"executionTimeout\" must be an integer between 1 and 172800.");
  }
  const comment = optString(input, "Comment");
  const command: SsmCommand = {
    commandId: world.ids.uuid(),
    documentName,
    ...(comment !== undefined ? { comment } : {}),
    parameters,
    instanceIds: [...new Set(instanceIds)],
    requestedTime: ctx.now,
    timeoutSeconds,
    executionTimeoutSeconds: executionTimeout,
    invocations: new Map(),
  };
  for (const id of command.instanceIds) {
    const inv: SsmInvocation = { instanceId: id, status: "Pending", statusDetails: "Pending", responseCode: -1, output: "", error: "" };
    command.invocations.set(id, inv);
    event(world, command, inv, ctx.now);
    schedule(world, command, inv, ctx.now);
  }
  world.state.ssmCommands.set(command.commandId, command);
  return { Command: commandView(world, command) };
};

function overall(command: SsmCommand): { status: string; completed: number; errors: number } {
  const invs = [...command.invocations.values()];
  const done = invs.filter((i) => TERMINAL.has(i.status));
  const errors = done.filter((i) => i.status !== "Success" && i.status !== "Cancelled").length;
  let status = "InProgress";
  if (invs.every((i) => i.status === "Pending")) status = "Pending";
  else if (done.length === invs.length) {
    status = invs.every((i) => i.status === "Cancelled") ? "Cancelled" : errors > 0 ? (invs.some((i) => i.status === "Failed") ? "Failed" : "TimedOut") : "Success";
  }
  return { status, completed: done.length, errors };
}

function commandView(world: World, c: SsmCommand): JsonInput {
  const o = overall(c);
  return {
    CommandId: c.commandId,
    DocumentName: c.documentName,
    DocumentVersion: "$DEFAULT",
    ...(c.comment !== undefined ? { Comment: c.comment } : {}),
    ExpiresAfter: epoch(world, c.requestedTime + c.timeoutSeconds + c.executionTimeoutSeconds),
    Parameters: c.parameters,
    InstanceIds: c.instanceIds,
    Targets: [],
    RequestedDateTime: epoch(world, c.requestedTime),
    Status: o.status,
    StatusDetails: o.status,
    MaxConcurrency: "50",
    MaxErrors: "0",
    TargetCount: c.instanceIds.length,
    CompletedCount: o.completed,
    ErrorCount: o.errors,
    DeliveryTimedOutCount: 0,
    TimeoutSeconds: c.timeoutSeconds,
  };
}

const iso = (world: World, t: number | undefined): string => (t === undefined ? "" : world.clock.iso(t));

const getCommandInvocation: SsmAction = (world, input, ctx) => {
  const commandId = reqString(input, "CommandId");
  const instanceId = reqString(input, "InstanceId");
  const command = world.state.ssmCommands.get(commandId);
  const inv = command?.invocations.get(instanceId);
  if (command === undefined || inv === undefined || ctx.now - command.requestedTime < world.config.ssmInvocationVisibleSeconds) {
    throw new AwsError("InvocationDoesNotExist", "");
  }
  const plugin = optString(input, "PluginName");
  if (plugin !== undefined && plugin !== "aws:runShellScript") throw new AwsError("InvalidPluginName", "");
  const elapsed = inv.startTime === undefined ? 0 : (inv.endTime ?? ctx.now) - inv.startTime;
  return {
    CommandId: commandId,
    InstanceId: instanceId,
    ...(command.comment !== undefined ? { Comment: command.comment } : {}),
    DocumentName: command.documentName,
    DocumentVersion: "$DEFAULT",
    PluginName: "aws:runShellScript",
    ResponseCode: inv.responseCode,
    ExecutionStartDateTime: iso(world, inv.startTime),
    ExecutionElapsedTime: `PT${elapsed.toFixed(3)}S`,
    ExecutionEndDateTime: iso(world, inv.endTime),
    Status: inv.status,
    StatusDetails: inv.statusDetails,
    StandardOutputContent: inv.output,
    StandardOutputUrl: "",
    StandardErrorContent: inv.error,
    StandardErrorUrl: "",
    CloudWatchOutputConfig: { CloudWatchLogGroupName: "", CloudWatchOutputEnabled: false },
  };
};

function maxResults(input: JsonInput, max: number): number {
  return numberIn(input, "MaxResults", 1, max) ?? max;
}

function paged<T>(items: readonly T[], key: (t: T) => string, input: JsonInput, size: number): { items: T[]; NextToken?: string } {
  const token = optString(input, "NextToken");
  let start = 0;
  if (token !== undefined) {
    const { after, at } = decodeToken(token, () => new AwsError("InvalidNextToken", "The specified token is not valid."));
    const found = items.findIndex((i) => key(i) === after);
    start = found >= 0 ? found + 1 : at;
  }
  const slice = items.slice(start, start + size);
  const last = slice.at(-1);
  const end = start + slice.length;
  return end < items.length && last !== undefined ? { items: slice, NextToken: encodeToken(key(last), end) } : { items: slice };
}

const listCommandInvocations: SsmAction = (world, input) => {
  const commandId = optString(input, "CommandId");
  const instanceId = optString(input, "InstanceId");
  const details = input.Details === true;
  if (commandId !== undefined) findCommand(world, commandId);
  const rows = [...world.state.ssmCommands.values()]
    .filter((c) => commandId === undefined || c.commandId === commandId)
    .reverse()
    .flatMap((c) => [...c.invocations.values()].filter((i) => instanceId === undefined || i.instanceId === instanceId).map((inv) => ({ c, inv })));
  const page = paged(rows, (r) => `${r.c.commandId}/${r.inv.instanceId}`, input, maxResults(input, 50));
  return {
    CommandInvocations: page.items.map(({ c, inv }) => ({
      CommandId: c.commandId,
      InstanceId: inv.instanceId,
      InstanceName: "",
      ...(c.comment !== undefined ? { Comment: c.comment } : {}),
      DocumentName: c.documentName,
      DocumentVersion: "$DEFAULT",
      RequestedDateTime: epoch(world, c.requestedTime),
      Status: inv.status,
      StatusDetails: inv.statusDetails,
      StandardOutputUrl: "",
      StandardErrorUrl: "",
      CommandPlugins: details
        ? [
            {
              Name: "aws:runShellScript",
              Status: inv.status,
              StatusDetails: inv.statusDetails,
              ResponseCode: inv.responseCode,
              ...(inv.startTime !== undefined ? { ResponseStartDateTime: epoch(world, inv.startTime) } : {}),
              ...(inv.endTime !== undefined ? { ResponseFinishDateTime: epoch(world, inv.endTime) } : {}),
              Output: inv.output,
            },
          ]
        : [],
    })),
    ...(page.NextToken !== undefined ? { NextToken: page.NextToken } : {}),
  };
};

const listCommands: SsmAction = (world, input) => {
  const commandId = optString(input, "CommandId");
  const instanceId = optString(input, "InstanceId");
  if (commandId !== undefined) findCommand(world, commandId);
  const rows = [...world.state.ssmCommands.values()]
    .filter((c) => (commandId === undefined || c.commandId === commandId) && (instanceId === undefined || c.invocations.has(instanceId)))
    .reverse();
  const page = paged(rows, (c) => c.commandId, input, maxResults(input, 50));
  return { Commands: page.items.map((c) => commandView(world, c)), ...(page.NextToken !== undefined ? { NextToken: page.NextToken } : {}) };
};

const cancelCommand: SsmAction = (world, input, ctx) => {
  const command = findCommand(world, reqString(input, "CommandId"));
  const ids = optStringList(input, "InstanceIds") ?? command.instanceIds;
  for (const id of ids) {
    const inv = command.invocations.get(id);
    if (inv === undefined) throw new AwsError("InvalidInstanceId", `Instance ${id} is not part of command ${command.commandId}`);
    if (!TERMINAL.has(inv.status)) move(world, command, inv, ctx.now, "Cancelled", "Cancelled");
  }
  return {};
};

/** DescribeDocument: the shell document and seeded ones exist; anything else is InvalidDocument, as AWS answers. */
const describeDocument: SsmAction = (world, input) => {
  const name = reqString(input, "Name");
  if (name !== RUN_SHELL && !world.state.ssmDocuments.has(name)) throw new AwsError("InvalidDocument", "The specified document does not exist.");
  return { Document: { Name: name, DocumentType: "Command", DocumentFormat: "JSON", SchemaVersion: "2.2", Status: "Active", Owner: name === RUN_SHELL ? "Amazon" : "123456789012", PlatformTypes: ["Linux"] } };
};

export const ssmActions: Readonly<Record<string, SsmAction>> = {
  DescribeDocument: describeDocument,
  SendCommand: sendCommand,
  GetCommandInvocation: getCommandInvocation,
  ListCommandInvocations: listCommandInvocations,
  ListCommands: listCommands,
  CancelCommand: cancelCommand,
};

/** Control API: the next `times` invocations on each of these instances end Failed (exit status 1). */
export function failInvocations(world: World, instanceIds: readonly string[], times: number): void {
  world.sync();
  for (const id of instanceIds) world.state.ssmFailures.set(id, times);
}

export function isSsmTarget(target: string): boolean {
  return target.startsWith(PREFIX);
}

function ssmCodeForStatus(status: number): string {
  if (status === 429) return "ThrottlingException";
  if (status === 403) return "AccessDeniedException";
  if (status >= 500) return "InternalServerError";
  return "ValidationException";
}

export async function handleSsm(world: World, req: IncomingMessage, res: ServerResponse, body: string, target: string): Promise<void> {
  const action = target.slice(PREFIX.length);
  const handler = ssmActions[action];
  const parsed = body.trim() === "" ? { ok: true as const, value: {} } : parseJson(body);
  const requestId = world.ids.requestId();
  const json = (status: number, value: unknown): Reply => ({
    status,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId },
    body: JSON.stringify(value),
  });
  const spec: CallSpec = {
    service: "ssm",
    action,
    params: parsed.ok ? parsed.value : body,
    renderError: (error: SimError) => json(error.status, { __type: error.code, message: error.message }),
    faultError: (fault) => {
      const code = fault.error ?? ssmCodeForStatus(fault.status ?? 500);
      return new AwsError(code, fault.message ?? `Injected fault: ${code}`, fault.status ?? statusForAwsCode(code));
    },
    execute: (ctx) => {
      if (header(req, "authorization") === undefined) throw new AwsError("MissingAuthenticationTokenException", "Request is missing Authentication Token", 403);
      if (handler === undefined) throw new AwsError("UnknownOperationException", `Unknown operation ${target}`);
      if (!parsed.ok || !isRecord(parsed.value)) throw new AwsError("SerializationException", "Malformed JSON body");
      return json(200, handler(world, parsed.value, ctx));
    },
  };
  await runCall(world, req, res, spec);
}
