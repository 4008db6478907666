import type { DeallocationReport } from "@scythe/core/deallocator";
import type { OrphanSweepReport } from "@scythe/core/orphans";

/* The sweeps' reports as text, shared by the CLI's commands and the demo. */

/** A deallocation pass, as `scythe deallocate` and the demo print it. */
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

/** An orphan sweep, as `scythe orphans` and the demo print it. */
export function describeSweep(report: OrphanSweepReport): string {
  const verb = report.dryRun ? "would remove" : "removed";
  const lines = [
    `orphan sweep of names ${report.namePrefix}*${report.dryRun ? " (dry run: nothing removed)" : ""}`,
    `  live owners: ${report.livePrefixes.length}; orphan owners: ${report.orphanPrefixes.join(", ") || "none"}`,
    ...Object.entries(report.seen).map(([kind, s]) => `  ${kind}: ${s.total} seen, ${s.inScheme} in this stage's scheme${s.otherStages > 0 ? `, ${s.otherStages} another stage's (left alone)` : ""}`),
    ...Object.entries(report.removed).map(([kind, names]) => `  ${verb} ${kind}: ${names.join(", ")}`),
    ...Object.entries(report.alreadyGone).map(([kind, names]) => `  already gone (not by this run) ${kind}: ${names.join(", ")}`),
    ...Object.entries(report.pending).map(([kind, names]) => `  stopping ${kind} (removed next pass): ${names.join(", ")}`),
    ...report.kept.map((k) => `  kept ${k.kind} ${k.name}: ${k.reason}`),
    ...report.errors.map((e) => `  error ${e.kind}${e.name ? ` ${e.name}` : ""}: ${e.error}`),
    ...(report.lock?.skipped ? [`  skipped: ${report.lock.skipped}`] : []),
  ];
  return lines.join("\n");
}
