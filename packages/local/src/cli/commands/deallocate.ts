import { Command } from "commander";
import { Deallocator, type DeallocationReport } from "@scythe/core";
import { exitCodes } from "../exitCodes.js";
import { action } from "../run.js";
import { leasesOnTarget } from "./leases.js";
import { countLine } from "../../progress/LiveStatus.js";

export function describeDeallocation(report: DeallocationReport): string {
  const verb = report.dryRun ? "would destroy" : "destroyed";
  const gone = report.dryRun ? report.nominated : report.destroyed;
  return [
    `deallocation pass${report.dryRun ? " (dry run: nothing changed)" : ""}: ${report.examined} marked for deletion`,
    `  ${verb}: ${gone.join(", ") || "none"}`,
    ...(report.alreadyGone.length > 0 ? [`  retired, already gone in the cloud: ${report.alreadyGone.join(", ")}`] : []),
    ...report.kept.map((k) => `  kept ${k.id}: ${k.reason}`),
    ...report.errors.map((e) => `  error${e.id ? ` ${e.id}` : ""}: ${e.error}`),
  ].join("\n");
}

export function deallocateCommand(): Command {
  return new Command("deallocate")
    .description("destroy resources marked for deletion that no live lease holds and no resource references")
    .option("--dry-run", "show what would be destroyed (cascades included), change nothing")
    .action(
      action(async (output, opts: { dryRun?: boolean }) => {
        const { target, leases } = await leasesOnTarget();
        output.progress(`reconciling ${target.description}${opts.dryRun ? " (dry run)" : ""}`);
        const deallocator = new Deallocator({ registry: leases.registry, queue: leases.queue, worker: leases.worker, author: "cli" });
        const counts = countLine("deallocation pass: tearing down what nothing uses", "resources");
        const line = output.live(counts.render);
        const report = await deallocator.reconcile({ dryRun: Boolean(opts.dryRun), onProgress: counts.update }).finally(() => line.stop());
        output.result(report, describeDeallocation(report));
        if (report.errors.length > 0) return exitCodes.failed;
      }),
    );
}
