import { userInfo } from "node:os";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { Command } from "commander";
import { composeLeases, shippedBlueprints, type CommandResult, type Leases, type LeaseRecord } from "@scythe/core";
import { localCredentials, localRegion } from "../../world/clients.js";
import { parseDuration } from "../durations.js";
import { cliEnv } from "../context.js";
import { exitCodes } from "../exitCodes.js";
import { action } from "../run.js";
import { resolveTarget, type Target } from "../target.js";
import { countLine } from "../../progress/LiveStatus.js";

/** The leases components on the command's target: the local world (its simulator) or a bound stage. */
export async function leasesOnTarget(): Promise<{ target: Target; leases: Leases }> {
  const target = await resolveTarget();
  const world = target.world;
  const opsworks = world
    ? new OpsWorksClient({ endpoint: world.simulator, region: localRegion, credentials: localCredentials })
    : new OpsWorksClient({});
  const env = cliEnv();
  const token = world ? "sim-token" : env.HEROKU_API_TOKEN;
  const heroku = token ? { token, baseUrl: world ? world.heroku : env.HEROKU_API_URL } : undefined;
  const leases = composeLeases({ doc: target.doc, tables: target.tables, blueprints: shippedBlueprints({ opsworks, heroku }), workerId: `cli:${userInfo().username}:${process.pid}` });
  return { target, leases };
}

/** What became of a command, truthfully: its outcome, a retry pending, or still in the queue. */
function describeCommand(result: CommandResult): string {
  if (result.consumed) return result.outcome ?? "done";
  if (result.retryAt !== undefined) return `not done yet (${result.lastError ?? "a temporary failure"}); the worker retries at ${new Date(result.retryAt).toISOString()}`;
  return "queued: the object's worker is still busy and will act on it";
}

export const defaultAuthor = () => `cli:${userInfo().username}`;
const when = (at: number | undefined) => (at === undefined ? "no expiry" : `expires ${new Date(at).toISOString()}`);
const describeLease = (l: LeaseRecord) => `${l.id}  ${l.status.padEnd(9)} resource ${l.resourceId}  holder ${l.holder}  ${when(l.expiresAt)}`;

export function leasesCommand(): Command {
  const leases = new Command("leases").description("lease resources; release and extend go through each lease's command queue");

  leases
    .command("acquire")
    .argument("<resource>", "resource id")
    .requiredOption("--holder <id>", "who holds the lease (a job, a person)")
    .option("--expires-in <duration>", "release the lease this long from now unless extended (e.g. 30m)")
    .description("lease an active resource")
    .action(
      action(async (output, resourceId: string, opts: { holder: string; expiresIn?: string }) => {
        const expiresInMs = opts.expiresIn === undefined ? undefined : parseDuration("--expires-in", opts.expiresIn);
        const { leases: l } = await leasesOnTarget();
        const lease = await l.service.acquire({ resourceId, holder: opts.holder, expiresInMs });
        output.result(lease, `acquired lease ${lease.id} on ${resourceId} (${when(lease.expiresAt)})`);
      }),
    );

  leases
    .command("release")
    .argument("<lease>", "lease id")
    .option("--author <id>", "recorded as who asked", defaultAuthor())
    .option("--dry-run", "show what the release would act on, append nothing")
    .description("ask for a lease to be released; its worker releases it and ends its hold on the resource")
    .action(
      action(async (output, leaseId: string, opts: { author: string; dryRun?: boolean }) => {
        const { leases: l } = await leasesOnTarget();
        if (opts.dryRun) {
          const lease = await l.service.getLease(leaseId);
          output.result({ dryRun: true, lease }, `dry run: would release ${describeLease(lease)}`);
          return;
        }
        output.progress(`appending a release command to lease ${leaseId}`);
        const result = await l.service.release({ leaseId, author: opts.author });
        output.result(result, `lease ${leaseId}: command #${result.seq} ${describeCommand(result)}`);
      }),
    );

  leases
    .command("extend")
    .argument("<lease>", "lease id")
    .requiredOption("--expires-in <duration>", "the lease's new expiry, counted from now (e.g. 1h)")
    .option("--author <id>", "recorded as who asked", defaultAuthor())
    .description("move a lease's expiry (an extend command)")
    .action(
      action(async (output, leaseId: string, opts: { expiresIn: string; author: string }) => {
        const expiresInMs = parseDuration("--expires-in", opts.expiresIn);
        const { leases: l } = await leasesOnTarget();
        const result = await l.service.extend({ leaseId, author: opts.author, expiresInMs });
        output.result(result, `lease ${leaseId}: command #${result.seq} ${describeCommand(result)}`);
      }),
    );

  leases
    .command("list")
    .option("--resource <id>", "only leases on this resource")
    .option("--all", "include destroyed leases")
    .description("list leases")
    .action(
      action(async (output, opts: { resource?: string; all?: boolean }) => {
        const { leases: l } = await leasesOnTarget();
        const found = (await l.service.listLeases())
          .filter((x) => (opts.resource === undefined || x.resourceId === opts.resource) && (opts.all || x.status !== "destroyed"))
          .sort((a, b) => a.createdAt - b.createdAt);
        output.result({ leases: found }, found.length ? found.map(describeLease).join("\n") : "no leases");
      }),
    );

  leases
    .command("expire")
    .option("--dry-run", "list what is due, release nothing")
    .description("run the expiry sweep once: release every lease and resource past its expiry")
    .action(
      action(async (output, opts: { dryRun?: boolean }) => {
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
      }),
    );

  return leases;
}
