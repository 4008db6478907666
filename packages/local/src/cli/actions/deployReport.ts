import { DynamoDeployJournal } from "@scythe/core/aws/dynamo";
import { ValidationError } from "@scythe/core/errors";
import { checkReportPath, writeReport } from "../../report/deployReport.js";
import { SimControl } from "../../sim/index.js";
import { localAccount } from "../../stepfunctions/index.js";
import { cliEnv } from "../context.js";
import { resolveTarget, type Target } from "../target.js";
import type { Output } from "../output.js";

/** An execution ARN from what the user typed: an ARN as is, a name within the local world or the given state machine. */
export function executionArnOf(execution: string, target: Target, stateMachineArn: string | undefined): string {
  if (execution.startsWith("arn:")) return execution;
  if (!/^[\w.-]{1,80}$/.test(execution)) throw new ValidationError("EXECUTION", `"${execution}" is neither an execution ARN nor an execution name`);
  if (target.kind === "local") return `arn:aws:states:us-east-1:${localAccount}:execution:scythe-local-deploy:${execution}`;
  if (!stateMachineArn) throw new ValidationError("EXECUTION", "give the execution's ARN, or its name with --state-machine (or SCYTHE_DEPLOY_STATE_MACHINE_ARN)");
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${execution}`;
}

/** `scythe deploy report <execution>` */
export async function deployReport(output: Output, execution: string, opts: { out?: string; stateMachine?: string }): Promise<void> {
  const target = await resolveTarget();
  const executionArn = executionArnOf(execution, target, opts.stateMachine ?? cliEnv().SCYTHE_DEPLOY_STATE_MACHINE_ARN);
  const out = opts.out ?? `scythe-deploy-${executionArn.split(":").pop() ?? "rollout"}.html`;
  checkReportPath("--out", out);
  const journal = new DynamoDeployJournal(target.doc, { tableName: target.tables.registry });
  const simulator = target.world ? new SimControl(target.world.simulator) : undefined;
  const url = await writeReport(output, out, journal, executionArn, simulator);
  output.result({ executionArn, report: url }, url);
}
