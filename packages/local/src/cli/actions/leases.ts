import { userInfo } from "node:os";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { composeLeases, type Leases } from "@scythe/core/aws/dynamo";
import { isRefusal, shippedBlueprints, type CommandResult } from "@scythe/core/leases";
import { type LeaseRecord } from "@scythe/core/registry";
import { localCredentials, localRegion } from "../../world/clients.js";
import { parseDuration } from "../durations.js";
import { namingOptions } from "../optionNames.js";
import { cliEnv } from "../context.js";
import { exitCodes } from "../exitCodes.js";
import type { ActionResult } from "../run.js";
import { resolveTarget, type Target } from "../target.js";
import { countLine } from "../../progress/LiveStatus.js";
import type { Output } from "../output.js";

/** The leases components on the command's target: the local world (its simulator) or a bound stage. */
export async function leasesOnTarget(): Promise<{ target: Target; leases: Leases }> {
  const target = await resolveTarget();
  const world = target.world;
  const config = world ? { endpoint: world.simulator, region: localRegion, credentials: localCredentials } : {};
  const opsworks = new OpsWorksClient(config);
  const env = cliEnv();
  const token = world ? "sim-token" : env.HEROKU_API_TOKEN;
  const heroku = token ? { token, baseUrl: world ? world.heroku : env.HEROKU_API_URL } : undefined;
  const leases = composeLeases({ doc: target.doc, tables: target.tables, blueprints: shippedBlueprints({ opsworks, ec2: new EC2Client(config), elbv2: new ElasticLoadBalancingV2Client(config), heroku }), workerId: `cli:${userInfo().username}:${process.pid}` });
  return { target, leases };
}

/** What became of a command, truthfully: its outcome, a retry pending, or still in the queue. */
function describeCommand(result: CommandResult): string {
  if (result.consumed) return result.outcome ?? "done";
  if (result.retryAt !== undefined) return `not done yet (${result.lastError ?? "a temporary failure"}); the worker retries at ${new Date(result.retryAt).toISOString()}`;
  return "queued: the object's worker is still busy and will act on it";
}

/**
 * A command its lease refused (extend a destroyed lease) failed: exit 1. One still queued or
 * waiting for a retry is not done yet: exit 3. Releasing what is already released is done.
 */
function commandExit(result: CommandResult): ActionResult {
  if (!result.consumed) return exitCodes.incomplete;
  if (isRefusal(result.outcome)) return exitCodes.failed;
}

const when = (at: number | undefined) => (at === undefined ? "no expiry" : `expires ${new Date(at).toISOString()}`);
const describeLease = (l: LeaseRecord) => `${l.id}  ${l.status.padEnd(9)} resource ${l.resourceId}  holder ${l.holder}  ${when(l.expiresAt)}`;

/** `scythe leases acquire <resource>` */
export async function acquire(output: Output, resourceId: string, opts: { holder: string; expiresIn?: string }): Promise<void> {
  const expiresInMs = opts.expiresIn === undefined ? undefined : parseDuration("--expires-in", opts.expiresIn);
  const { leases: l } = await leasesOnTarget();
  const lease = await namingOptions({ holder: "--holder", expiresInMs: "--expires-in" }, () => l.service.acquire({ resourceId, holder: opts.holder, expiresInMs }));
  output.result(lease, `acquired lease ${lease.id} on ${resourceId} (${when(lease.expiresAt)})`);
}

/** `scythe leases release <lease>` */
export async function release(output: Output, leaseId: string, opts: { author: string; dryRun?: boolean }): Promise<ActionResult> {
  const { leases: l } = await leasesOnTarget();
  if (opts.dryRun) {
    const lease = await l.service.getLease(leaseId);
    output.result({ dryRun: true, lease }, `dry run: would release ${describeLease(lease)}`);
    return;
  }
  output.progress(`appending a release command to lease ${leaseId}`);
  const result = await namingOptions({ author: "--author" }, () => l.service.release({ leaseId, author: opts.author }));
  output.result(result, `lease ${leaseId}: command #${result.seq} ${describeCommand(result)}`);
  return commandExit(result);
}

/** `scythe leases extend <lease>` */
export async function extend(output: Output, leaseId: string, opts: { expiresIn: string; author: string }): Promise<ActionResult> {
  const expiresInMs = parseDuration("--expires-in", opts.expiresIn);
  const { leases: l } = await leasesOnTarget();
  const result = await namingOptions({ author: "--author", expiresInMs: "--expires-in" }, () => l.service.extend({ leaseId, author: opts.author, expiresInMs }));
  output.result(result, `lease ${leaseId}: command #${result.seq} ${describeCommand(result)}`);
  return commandExit(result);
}

/** `scythe leases list` */
export async function list(output: Output, opts: { resource?: string; all?: boolean }): Promise<void> {
  const { leases: l } = await leasesOnTarget();
  // A mistyped resource id is bad input, not "no leases" (exit 2, naming --resource).
  if (opts.resource !== undefined) await namingOptions({ resourceId: "--resource" }, () => l.service.getResource(opts.resource ?? ""));
  const found = (await l.service.listLeases())
    .filter((x) => (opts.resource === undefined || x.resourceId === opts.resource) && (opts.all || x.status !== "destroyed"))
    .sort((a, b) => a.createdAt - b.createdAt);
  output.result({ leases: found }, found.length ? found.map(describeLease).join("\n") : "no leases");
}

/** `scythe leases expire` */
export async function expire(output: Output, opts: { dryRun?: boolean }): Promise<ActionResult> {
  const { leases: l } = await leasesOnTarget();
  const counts = countLine("expiry sweep: releasing and tearing down what is due", "objects");
  const line = output.live(counts.render);
  const report = await l.sweep.run({ dryRun: Boolean(opts.dryRun), onProgress: counts.update }).finally(() => line.stop());
  const lines = [
    `${report.dryRun ? "dry run: " : ""}${report.expired.length} expired, ${report.stalled.length} with stalled commands`,
    ...report.expired.map((r) => `  due: ${r.kind} ${r.id}`),
    ...report.outcomes.filter((o) => o.path === "transaction").map((o) => `  ${o.ref.kind} ${o.ref.id}: released and destroyed (expiry, one transaction)`),
    ...report.outcomes.flatMap((o) => o.consumed.map((c) => `  ${o.ref.kind} ${o.ref.id} #${c.seq} ${c.command}: ${c.outcome}`)),
    ...report.failures.map((f) => `  failed: ${f.error}`),
  ];
  output.result(report, lines.join("\n"));
  if (report.failures.length > 0) return exitCodes.failed;
}
