import {
  DescribeDocumentCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
  paginateListCommandInvocations,
  paginateListCommands,
  type Command,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { CloudResourceNotFoundError, CloudUnavailableError } from "../../errors.js";
import { sendTranslated } from "../sdkErrors.js";
import { ssmComment, ssmRequests as requests, type CommandSpec } from "./requests.js";

export type { SSMClient } from "@aws-sdk/client-ssm";

/** The answers that prove a command or an invocation does not exist. */
const notFound: ReadonlySet<string> = new Set(["InvalidCommandId", "InvocationDoesNotExist"]);
/** DescribeDocument's answer for a document that does not exist (elsewhere, InvalidDocument is a bad request). */
const noDocument: ReadonlySet<string> = new Set(["InvalidDocument"]);

/** Invocation statuses after which nothing changes. */
const terminal: ReadonlySet<string> = new Set(["Success", "Failed", "TimedOut", "Cancelled", "DeliveryTimedOut", "ExecutionTimedOut", "Undeliverable", "Terminated", "InvalidPlatform", "AccessDenied"]);

export const isTerminalStatus = (status: string): boolean => terminal.has(status);

/** One instance's run of a command. */
export interface Invocation {
  readonly commandId: string;
  readonly instanceId: string;
  /** Pending, InProgress, Delayed, Success, Cancelled, TimedOut, Failed, ... */
  readonly status: string;
  readonly statusDetails?: string;
  readonly responseCode?: number;
  /** The end of its standard error, when GetCommandInvocation gave it. */
  readonly error?: string;
}

/** A command as SendCommand recorded it. */
export interface RunCommand {
  readonly commandId: string;
  readonly instanceIds: readonly string[];
  readonly status: string;
  readonly comment?: string;
  readonly requestedAt?: Date;
}

/**
 * The one adapter on AWS Systems Manager Run Command, on the caller's client: sends a
 * command to instances and reads how each invocation went. Requests are built in
 * requests.ts; pages are walked by the SDK's paginators; SDK errors become CloudErrors in
 * `call` (InvalidCommandId and InvocationDoesNotExist are "not found"). Retries are the client's own.
 */
export class SsmRunCommand {
  constructor(private readonly client: SSMClient) {}

  async send(spec: CommandSpec, instanceIds: readonly string[], comment: string): Promise<string> {
    const out = await this.call(`SendCommand(${instanceIds.join(", ")})`, () => this.client.send(new SendCommandCommand(requests.sendCommand(spec, instanceIds, comment))));
    const id = out.Command?.CommandId;
    if (!id) throw new CloudUnavailableError("SendCommand: no CommandId in the answer");
    return id;
  }

  /** The command by id; CloudResourceNotFoundError on InvalidCommandId or an answer without it. */
  async command(commandId: string): Promise<RunCommand> {
    const out = await this.call(`ListCommands(${commandId})`, () => this.client.send(new ListCommandsCommand(requests.command(commandId))));
    const found = out.Commands?.find((c) => c.CommandId === commandId);
    if (!found) throw new CloudResourceNotFoundError(`command ${commandId}: not in the answer`);
    return toCommand(found);
  }

  /** Every invocation of a command, all pages. */
  async invocations(commandId: string): Promise<Invocation[]> {
    const found: Invocation[] = [];
    await this.call(`ListCommandInvocations(${commandId})`, async () => {
      for await (const page of paginateListCommandInvocations({ client: this.client }, requests.invocationsOf(commandId))) {
        for (const i of page.CommandInvocations ?? []) {
          if (!i.InstanceId) continue;
          found.push({ commandId, instanceId: i.InstanceId, status: i.Status ?? "Pending", ...(i.StatusDetails !== undefined && { statusDetails: i.StatusDetails }) });
        }
      }
    });
    return found;
  }

  /** One instance's invocation (GetCommandInvocation): InvocationDoesNotExist right after sending is "not found". */
  async invocation(commandId: string, instanceId: string): Promise<Invocation> {
    const out = await this.call(`GetCommandInvocation(${commandId}, ${instanceId})`, () =>
      this.client.send(new GetCommandInvocationCommand(requests.getInvocation(commandId, instanceId))),
    );
    return {
      commandId,
      instanceId,
      status: out.Status ?? "Pending",
      ...(out.StatusDetails !== undefined && { statusDetails: out.StatusDetails }),
      ...(out.ResponseCode !== undefined && { responseCode: out.ResponseCode }),
      ...(out.StandardErrorContent && { error: out.StandardErrorContent.slice(-500) }),
    };
  }

  /** Whether a document of this name exists for this account (DescribeDocument; InvalidDocument is "no"). */
  async documentExists(name: string): Promise<boolean> {
    try {
      await sendTranslated(`DescribeDocument(${name})`, () => this.client.send(new DescribeDocumentCommand({ Name: name })), noDocument);
      return true;
    } catch (error) {
      if (error instanceof CloudResourceNotFoundError) return false;
      throw error;
    }
  }

  /** Commands carrying exactly this comment (as SSM keeps it: see ssmComment), newest first. */
  async commandsWithComment(comment: string): Promise<RunCommand[]> {
    const wanted = ssmComment(comment);
    const found: RunCommand[] = [];
    await this.call("ListCommands", async () => {
      for await (const page of paginateListCommands({ client: this.client }, requests.commands())) {
        for (const c of page.Commands ?? []) if (c.Comment === wanted && c.CommandId) found.push(toCommand(c));
      }
    });
    return found.sort((a, b) => (b.requestedAt?.getTime() ?? 0) - (a.requestedAt?.getTime() ?? 0));
  }

  private call<T>(what: string, send: () => Promise<T>): Promise<T> {
    return sendTranslated(what, send, notFound);
  }
}

function toCommand(c: Command): RunCommand {
  return {
    commandId: c.CommandId ?? "",
    instanceIds: c.InstanceIds ?? [],
    status: c.Status ?? "Pending",
    ...(c.Comment !== undefined && { comment: c.Comment }),
    ...(c.RequestedDateTime !== undefined && { requestedAt: c.RequestedDateTime }),
  };
}
