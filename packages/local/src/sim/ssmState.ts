/** Simulated SSM Run Command: commands and their per-instance invocations. */

export type InvocationStatus = "Pending" | "InProgress" | "Delayed" | "Success" | "Cancelled" | "TimedOut" | "Failed" | "Cancelling";

export interface SsmInvocation {
  instanceId: string;
  status: InvocationStatus;
  statusDetails: string;
  responseCode: number;
  startTime?: number;
  endTime?: number;
  output: string;
  error: string;
}

export interface SsmCommand {
  commandId: string;
  documentName: string;
  comment?: string;
  parameters: Record<string, string[]>;
  instanceIds: string[];
  requestedTime: number;
  timeoutSeconds: number;
  executionTimeoutSeconds: number;
  invocations: Map<string, SsmInvocation>;
}

export const TERMINAL: ReadonlySet<InvocationStatus> = new Set(["Success", "Cancelled", "TimedOut", "Failed"]);
