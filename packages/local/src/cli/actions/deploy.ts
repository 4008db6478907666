import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DynamoDeployJournal } from "@scythe/core/aws/dynamo";
import { checkAgainstFleet, deployInput, previewRollout, type DeployInput, type DeployReport, type InstanceProgress } from "@scythe/core/deploy";
import { BadInputError, ScytheError, ValidationError } from "@scythe/core/errors";
import { humanDuration, parseInput } from "@scythe/core/validation";
import { followProgress, localDeployServices, startLocalDeploy, type LocalExecutionResult } from "../../stepfunctions/index.js";
import { loadBalancerLabel } from "../../progress/labels.js";
import { parseCount, parseDuration, parsePositiveDuration } from "../durations.js";
import type { Output } from "../output.js";
import { checkReportPath, writeReport } from "../../report/deployReport.js";
import { SimControl } from "../../sim/index.js";
import { cliEnv } from "../context.js";
import { namingOptions, type OptionNames } from "../optionNames.js";
import { DeployProgress } from "../../progress/deployProgress.js";
import { resolveTarget, type Target } from "../target.js";

/** The rollout stopped short: the message says why (deployment id and status, lock holder, ...). */
export class DeployFailedError extends ScytheError {}

interface DeployOptions {
  stack?: string;
  layer?: string;
  app?: string;
  asg?: string;
  instances?: string;
  document?: string;
  command?: string[];
  parameter?: string[];
  report?: string;
  batch?: string;
  deployTimeout?: string;
  lockWait?: string;
  heartbeat?: string;
  lockScope?: string;
  migrate: boolean;
  comment?: string;
  follow?: boolean;
  poll: string;
  dryRun?: boolean;
  stateMachine?: string;
}

const seconds = (field: string, text: string) => Math.max(1, Math.round(parsePositiveDuration(field, text) / 1000));

/** The deploy lock's longest lease (the input's leaseSeconds) and the one a rollout gets unless it asks. */
const maxLeaseSeconds = 3600;
const defaultLeaseSeconds = 300;
/** No task renews the lease while a deployment is awaited, so it must last twice the heartbeat plus 10 s. */
const leaseFor = (heartbeatSeconds: number) => 2 * heartbeatSeconds + 10;
const maxHeartbeatSeconds = Math.floor((maxLeaseSeconds - 10) / 2);

/**
 * `--heartbeat 5m`: the input's heartbeatSeconds, and a lease long enough for it (the command
 * line has no lease option: it lengthens the default one as the heartbeat needs). The input
 * itself refuses a heartbeat under 10 s; past 29m 55s no lease could cover it.
 */
function heartbeatFrom(text: string): { heartbeatSeconds: number; leaseSeconds?: number } {
  const heartbeatSeconds = seconds("--heartbeat", text);
  if (heartbeatSeconds > maxHeartbeatSeconds) {
    throw new ValidationError(
      "--heartbeat",
      `"${text}" must be at most ${maxHeartbeatSeconds} s (${humanDuration(maxHeartbeatSeconds * 1000)}): the deploy lock's lease, at most ${maxLeaseSeconds} s (${humanDuration(maxLeaseSeconds * 1000)}), must outlast twice the heartbeat plus 10 s`,
    );
  }
  const lease = leaseFor(heartbeatSeconds);
  return { heartbeatSeconds, ...(lease > defaultLeaseSeconds && { leaseSeconds: lease }) };
}

/** `--instances tag:Role=web,tag:Env=prod` as tags. */
function tagsFrom(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of text.split(",")) {
    const m = /^tag:([^=]+)=(.*)$/.exec(part.trim());
    if (!m?.[1]) throw new ValidationError("--instances", `"${part}" is not tag:KEY=VALUE (e.g. --instances tag:Role=web)`);
    const earlier = tags[m[1]];
    // EC2 ANDs the filters: one tag with two values matches nothing, and keeping either would be a guess.
    if (earlier !== undefined && earlier !== (m[2] ?? "")) throw new ValidationError("--instances", `tag ${m[1]} is given twice with different values ("${earlier}", "${m[2] ?? ""}"): an instance carries one value per tag`);
    tags[m[1]] = m[2] ?? "";
  }
  return tags;
}

/** `--parameter version=42 --parameter version=43` as SSM parameters (a name given twice is a list). */
function parametersFrom(items: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new ValidationError("--parameter", `"${item}" is not NAME=VALUE`);
    (out[item.slice(0, eq)] ??= []).push(item.slice(eq + 1));
  }
  return out;
}

/** The EC2 target of `--asg` / `--instances`, or undefined for an OpsWorks deploy. */
function ec2From(opts: DeployOptions) {
  const ec2Options = [["--asg", opts.asg], ["--instances", opts.instances], ["--document", opts.document], ["--command", opts.command], ["--parameter", opts.parameter]] as const;
  const given = ec2Options.filter(([, v]) => v !== undefined);
  if (given.length === 0) return undefined;
  const opsworks = ([["--stack", opts.stack], ["--layer", opts.layer], ["--app", opts.app]] as const).find(([, v]) => v !== undefined);
  if (opsworks) throw new ValidationError(opsworks[0], `is for an OpsWorks deploy; ${given[0]?.[0] ?? "--asg"} is for EC2: give one or the other`);
  if (opts.asg !== undefined && opts.instances !== undefined) throw new ValidationError("--instances", "give --asg or --instances, not both");
  if (opts.asg === undefined && opts.instances === undefined) throw new ValidationError("--asg", "is required for an EC2 deploy (or --instances tag:KEY=VALUE)");
  return {
    ...(opts.asg !== undefined && { asg: opts.asg }),
    ...(opts.instances !== undefined && { tags: tagsFrom(opts.instances) }),
    ...(opts.document !== undefined && { document: opts.document }),
    ...(opts.command !== undefined && { commands: opts.command }),
    ...(opts.parameter !== undefined && { parameters: parametersFrom(opts.parameter) }),
  };
}

function inputFrom(opts: DeployOptions): DeployInput {
  const rollout = {
    ...(opts.batch !== undefined && { batchSize: parseCount("--batch", opts.batch) }),
    ...(opts.deployTimeout !== undefined && { deployTimeoutSeconds: seconds("--deploy-timeout", opts.deployTimeout) }),
    ...(opts.lockWait !== undefined && { lockWaitSeconds: Math.round(parseDuration("--lock-wait", opts.lockWait) / 1000) }),
    ...(opts.heartbeat !== undefined && heartbeatFrom(opts.heartbeat)),
    ...(opts.lockScope !== undefined && { lockScope: opts.lockScope as "stack" | "global" }),
    ...(opts.comment !== undefined && { comment: opts.comment }),
  };
  const ec2 = ec2From(opts);
  if (ec2) {
    const input: DeployInput = { ec2, ...rollout };
    parseInput(deployInput, input);
    return input;
  }
  // Checked here rather than by commander, whose required options would also bind `deploy report`.
  for (const [flag, value] of [["--stack", opts.stack], ["--layer", opts.layer], ["--app", opts.app]] as const) {
    if (value === undefined) throw new ValidationError(flag, "is required (or --asg / --instances for EC2)");
  }
  const input: DeployInput = {
    stackId: opts.stack ?? "",
    layerId: opts.layer ?? "",
    appId: opts.app ?? "",
    migrate: opts.migrate,
    ...rollout,
  };
  // Refuse bad input here, naming the field, before anything starts.
  parseInput(deployInput, input);
  return input;
}

function summarize(report: DeployReport): string {
  const lines = [`deployed ${report.deployedCount} instance(s), skipped ${report.skippedCount}`];
  // The output lists at most a hundred of each; every instance is in the journal, and in `scythe deploy report`.
  const more = (listed: number, count: number, what: string) =>
    count > listed ? [`  ... and ${count - listed} more ${what} (every instance: scythe deploy report ${report.executionId})`] : [];
  for (const d of report.deployed) {
    const out = d.detachedFrom.length > 0 ? `detached from ${d.detachedFrom.map(loadBalancerLabel).join(", ")}` : "deployed in place";
    lines.push(`  ${d.hostname.padEnd(10)} batch ${d.batch + 1}  ${out}  (deployment ${d.deploymentId ?? "?"})`);
  }
  lines.push(...more(report.deployed.length, report.deployedCount, "deployed"));
  for (const k of report.notDetached) lines.push(`  kept ${k.instanceId} in ${loadBalancerLabel(k.loadBalancer)}: ${k.reason}`);
  lines.push(...more(report.notDetached.length, report.notDetachedCount, "kept in a load balancer"));
  for (const s of report.skipped) lines.push(`  skipped ${s.hostname}: ${s.reason}`);
  lines.push(...more(report.skipped.length, report.skippedCount, "skipped"));
  return lines.join("\n");
}

/** The longest a local Wait state may last: past it a rollout of a few instances takes hours. */
const maxPollMs = 60_000;

async function runLocally(output: Output, target: Target, input: DeployInput, opts: DeployOptions): Promise<void> {
  const simulator = target.world?.simulator;
  if (!simulator) throw new ScytheError("the local world has no fleet simulator recorded; restart it with `scythe dev`");
  // Every option is checked before the fleet is asked anything.
  const waitMs = parseDuration("--poll", opts.poll);
  if (waitMs > maxPollMs) throw new ValidationError("--poll", `"${opts.poll}" must be at most ${maxPollMs} ms (${humanDuration(maxPollMs)}): each Wait state of the local rollout lasts this long`);
  const request = parseInput(deployInput, input);
  const services = localDeployServices({ doc: target.doc, tables: target.tables, simulator, ...(request.ec2 && { ec2: request.ec2 }) });
  // Wrong ids or a batch larger than the layer: exit 2 naming the field, before anything starts.
  await checkAgainstFleet(services.target, request);
  if (opts.dryRun) {
    const preview = await previewRollout(services.target, services.loadBalancers, request);
    const label = loadBalancerLabel;
    const lines = preview.batches.map((b, i) => {
      const plan = b.decisions.map((d) => {
        const none = request.ec2 ? "in no target group: deployed where it is" : "in no load balancer: deployed where it is";
        const out = d.detachFrom.length > 0 ? `leaves ${d.detachFrom.map(label).join(", ")}` : d.keptIn.length > 0 ? "stays in every load balancer" : none;
        return `    ${d.instanceId}: ${out}${d.keptIn.map((k) => `; kept in ${label(k.loadBalancer)} (${k.reason})`).join("")}`;
      });
      return [`  batch ${i + 1}: ${b.hostnames.join(", ")}`, ...plan].join("\n");
    });
    // Per load balancer (per target group on EC2): which batch takes whom out, and who stays.
    const names = [...new Set(preview.batches.flatMap((b) => b.decisions.flatMap((d) => [...d.detachFrom, ...d.keptIn.map((k) => k.loadBalancer)])))].sort();
    const perGroup = names.map((name) => {
      const batches = preview.batches.map((b, i) => {
        const out = b.decisions.filter((d) => d.detachFrom.includes(name)).map((d) => d.instanceId);
        const kept = b.decisions.filter((d) => d.keptIn.some((k) => k.loadBalancer === name)).map((d) => d.instanceId);
        return `batch ${i + 1}: ${out.length > 0 ? `out ${out.join(", ")}` : "none out"}${kept.length > 0 ? `, deployed in place ${kept.join(", ")}` : ""}`;
      });
      const drain = preview.loadBalancers.find((lb) => lb.name === name)?.drainSeconds;
      const delay = drain === undefined ? "" : ` (${request.ec2 ? "deregistration delay" : "connection draining"} ${drain} s)`;
      return `  ${label(name)}${delay}: ${batches.join("; ")}`;
    });
    const skipped = preview.skipped.map((s) => `  skipped ${s.hostname}: ${s.reason}`);
    const heading = request.ec2 ? "per target group:" : "per load balancer:";
    output.result({ dryRun: true, ...preview }, ["dry run: nothing was changed", ...lines, ...(perGroup.length > 0 ? [heading, ...perGroup] : []), ...skipped].join("\n"));
    return;
  }
  const execution = await startLocalDeploy(input, { services, waitMs });
  output.progress(`started ${execution.executionArn} on the ${target.description}`);
  if (target.world?.statusPage) output.progress(`watch its timeline live at ${target.world.statusPage}`);
  const live = opts.follow ? liveDeployLine(output) : undefined;
  const follow = live ? followProgress(services.journal, execution.executionArn, execution.result, live.onChange, 50) : undefined;
  const interrupt = () => {
    output.progress("stopping: the execution is aborted and its cleanup reattaches what it detached");
    execution.abort();
  };
  process.once("SIGINT", interrupt);
  let result: LocalExecutionResult;
  try {
    result = await execution.result;
    await follow;
  } finally {
    process.off("SIGINT", interrupt);
    live?.stop();
  }
  if (opts.report) await writeReport(output, opts.report, services.journal, result.executionArn, new SimControl(simulator));
  report(output, { executionArn: result.executionArn, status: result.status, output: result.output, error: result.error, cause: result.cause, transitions: result.transitions, cleanup: result.cleanup });
}

async function runOnStage(output: Output, target: Target, input: DeployInput, opts: DeployOptions): Promise<void> {
  const stateMachineArn = opts.stateMachine ?? cliEnv().SCYTHE_DEPLOY_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new ValidationError("--state-machine", "is required on a deployed stage (or set SCYTHE_DEPLOY_STATE_MACHINE_ARN; the Deploys stack outputs DeployStateMachineArn)");
  if (opts.dryRun) throw new ValidationError("--dry-run", "previews run against the local world only");
  const sfn = new SFNClient({});
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  const executionArn = started.executionArn ?? "";
  output.progress(`started ${executionArn} on ${target.description}`);
  if (!opts.follow) {
    output.result({ executionArn, status: "RUNNING" }, `started ${executionArn}\nfollow it with --follow, or in the Step Functions console`);
    return;
  }
  const journal = new DynamoDeployJournal(target.doc, { tableName: target.tables.registry });
  let settle: (value: unknown) => void = () => undefined;
  const done = new Promise((resolve) => (settle = resolve));
  const live = liveDeployLine(output);
  const following = followProgress(journal, executionArn, done, live.onChange, 2000);
  let described;
  for (;;) {
    described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== "RUNNING" && described.status !== "PENDING_REDRIVE") break;
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  settle(undefined);
  await following.finally(() => live.stop());
  if (opts.report) await writeReport(output, opts.report, journal, executionArn);
  report(output, {
    executionArn,
    status: described.status ?? "UNKNOWN",
    output: described.output ? (JSON.parse(described.output) as unknown) : undefined,
    error: described.error,
    cause: described.cause,
  });
}

const badInputErrors = new Set(["BadInputError", "ValidationError", "UnknownIdError"]);

/** `--follow`: each change as a line, and on a terminal a live line under them (done, batch, waiting for, time left). */
function liveDeployLine(output: Output) {
  const progress = new DeployProgress();
  const line = output.live(() => progress.line());
  return {
    onChange: (text: string, record: InstanceProgress) => {
      progress.on(record);
      output.progress(text);
    },
    stop: () => line.stop(),
  };
}

function report(output: Output, r: { executionArn: string; status: string; output?: unknown; error?: string; cause?: string; transitions?: number; cleanup?: unknown }): void {
  if (r.status !== "SUCCEEDED") {
    let message = r.cause ?? "";
    try {
      const parsed = JSON.parse(message) as { errorMessage?: string };
      message = parsed.errorMessage ?? message;
    } catch {
      // a cause that is plain text
    }
    // The execution refused its input at its first state (e.g. an id the fleet does not have): bad input, exit 2.
    const field = /^([A-Za-z][\w.]*): /.exec(message)?.[1];
    if (field && r.error && badInputErrors.has(r.error)) throw new BadInputError(field, message);
    throw new DeployFailedError(`deploy ${r.executionArn} ${r.status.toLowerCase()}${r.error ? `: ${r.error}` : ""}${message ? `: ${message}` : ""}`);
  }
  output.result(r, `${r.executionArn} succeeded\n${summarize(r.output as DeployReport)}`);
}

/** The option that feeds each field of the state machine's input, so a refusal names what the user typed. */
export const deployOptionNames: OptionNames = {
  stackId: "--stack",
  layerId: "--layer",
  appId: "--app",
  batchSize: "--batch",
  deployTimeoutSeconds: "--deploy-timeout",
  lockWaitSeconds: "--lock-wait",
  heartbeatSeconds: "--heartbeat",
  lockScope: "--lock-scope",
  migrate: "--no-migrate",
  comment: "--comment",
  "ec2.asg": "--asg",
  "ec2.tags": "--instances",
  "ec2.document": "--document",
  "ec2.commands": "--command",
  "ec2.parameters": "--parameter",
};

/** `scythe deploy` */
export async function deploy(output: Output, opts: DeployOptions): Promise<void> {
  await namingOptions(deployOptionNames, async () => {
    const input = inputFrom(opts);
    if (opts.report !== undefined) checkReportPath("--report", opts.report);
    const target = await resolveTarget();
    if (target.kind === "local") await runLocally(output, target, input, opts);
    else await runOnStage(output, target, input, opts);
  });
}
