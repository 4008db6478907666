import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { Command } from "commander";
import { DynamoLockStore, DynamoOwnerRecords, HerokuPlatform, herokuApiUrl, LockService, OrphanSweep, sweepInventories, type OrphanSweepReport } from "@scythe/core";
import { localClientConfig } from "../../world/clients.js";
import { exitCodes } from "../exitCodes.js";
import { cliEnv } from "../context.js";
import { action } from "../run.js";
import { resolveTarget } from "../target.js";
import { countLine } from "../../progress/LiveStatus.js";

export function describeSweep(report: OrphanSweepReport): string {
  const verb = report.dryRun ? "would remove" : "removed";
  const lines = [
    `orphan sweep${report.dryRun ? " (dry run: nothing removed)" : ""}`,
    `  live owners: ${report.livePrefixes.length}; orphan owners: ${report.orphanPrefixes.join(", ") || "none"}`,
    ...Object.entries(report.seen).map(([kind, s]) => `  ${kind}: ${s.total} seen, ${s.inScheme} in Scythe's scheme`),
    ...Object.entries(report.removed).map(([kind, names]) => `  ${verb} ${kind}: ${names.join(", ")}`),
    ...Object.entries(report.alreadyGone).map(([kind, names]) => `  already gone (not by this run) ${kind}: ${names.join(", ")}`),
    ...Object.entries(report.pending).map(([kind, names]) => `  stopping ${kind} (removed next pass): ${names.join(", ")}`),
    ...report.kept.map((k) => `  kept ${k.kind} ${k.name}: ${k.reason}`),
    ...report.errors.map((e) => `  error ${e.kind}${e.name ? ` ${e.name}` : ""}: ${e.error}`),
    ...(report.lock?.skipped ? [`  skipped: ${report.lock.skipped}`] : []),
  ];
  return lines.join("\n");
}

export function orphansCommand(): Command {
  return new Command("orphans")
    .description("remove cloud resources named in Scythe's scheme whose owning record is gone (never anything else)")
    .option("--dry-run", "list what would be removed, remove nothing")
    .action(
      action(async (output, opts: { dryRun?: boolean }) => {
        const target = await resolveTarget();
        const config = target.world ? localClientConfig(target.world.simulator) : {};
        // Apps are swept where a Heroku token is at hand: the simulator's locally, HEROKU_API_TOKEN on a stage.
        const token = target.world ? "sim-token" : cliEnv().HEROKU_API_TOKEN;
        const baseUrl = target.world ? target.world.heroku : (cliEnv().HEROKU_API_URL ?? herokuApiUrl);
        if (!token) output.progress("apps are not swept: set HEROKU_API_TOKEN to include them");
        const inventories = sweepInventories({
          opsworks: new OpsWorksClient(config),
          elb: new ElasticLoadBalancingClient(config),
          apps: token ? new HerokuPlatform({ baseUrl, token }) : undefined,
        });
        const locks = new LockService({ store: new DynamoLockStore(target.doc, { tableName: target.tables.locks }) });
        // Under the same lock as the scheduled sweep: never two sweeps deleting at once.
        const sweep = new OrphanSweep({ records: new DynamoOwnerRecords(target.doc, target.tables.registry), inventories, lock: { locks, waitMs: 30_000 } });
        output.progress(`sweeping ${target.description}${opts.dryRun ? " (dry run)" : ""}`);
        const counts = countLine("orphan sweep: listing the cloud, then the registry, removing what no record owns", "in-scheme resources looked at");
        const line = output.live(counts.render);
        const report = await sweep.run({ dryRun: Boolean(opts.dryRun), onProgress: counts.update }).finally(() => line.stop());
        output.result(report, describeSweep(report));
        if (report.errors.length > 0) return exitCodes.failed;
      }),
    );
}
