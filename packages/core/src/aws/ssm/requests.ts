import type { GetCommandInvocationCommandInput, ListCommandInvocationsCommandInput, ListCommandsCommandInput, SendCommandCommandInput } from "@aws-sdk/client-ssm";

/** SSM's shell document: runs `commands` on Linux instances. */
export const runShellScript = "AWS-RunShellScript";

/** What to run on each instance: shell commands, or a named document with its parameters. */
export type CommandSpec =
  | { readonly commands: readonly string[]; readonly workingDirectory?: string; readonly executionTimeoutSeconds?: number }
  | { readonly document: string; readonly parameters?: Readonly<Record<string, readonly string[]>> };

/** SSM's limit on a command's comment. */
export const commentLimit = 100;

/**
 * The comment SSM keeps for a command: at most 100 characters. Scythe's deployment comments
 * end in their identifying part ("[scythe <execution> batch N]"), so a long one keeps its end.
 */
export function ssmComment(comment: string): string {
  return comment.length <= commentLimit ? comment : comment.slice(comment.length - commentLimit);
}

/** The document and parameters SendCommand gets for a spec. */
export function documentOf(spec: CommandSpec): { DocumentName: string; Parameters: Record<string, string[]> } {
  if ("document" in spec) {
    return { DocumentName: spec.document, Parameters: Object.fromEntries(Object.entries(spec.parameters ?? {}).map(([k, v]) => [k, [...v]])) };
  }
  return {
    DocumentName: runShellScript,
    Parameters: {
      commands: [...spec.commands],
      ...(spec.workingDirectory !== undefined && { workingDirectory: [spec.workingDirectory] }),
      ...(spec.executionTimeoutSeconds !== undefined && { executionTimeout: [String(spec.executionTimeoutSeconds)] }),
    },
  };
}

/**
 * Every SSM Run Command request Scythe sends, built as data: pure functions of their
 * arguments, so a test can assert the exact input without sending anything. Pages are
 * walked by the SDK's paginators (NextToken).
 */
export const ssmRequests = {
  sendCommand: (spec: CommandSpec, instanceIds: readonly string[], comment: string): SendCommandCommandInput => ({
    ...documentOf(spec),
    InstanceIds: [...instanceIds],
    Comment: ssmComment(comment),
  }),
  getInvocation: (commandId: string, instanceId: string): GetCommandInvocationCommandInput => ({ CommandId: commandId, InstanceId: instanceId }),
  invocationsOf: (commandId: string): ListCommandInvocationsCommandInput => ({ CommandId: commandId }),
  command: (commandId: string): ListCommandsCommandInput => ({ CommandId: commandId }),
  /** Every command (newest first); the adapter keeps those with the comment asked for. */
  commands: (): ListCommandsCommandInput => ({}),
};
