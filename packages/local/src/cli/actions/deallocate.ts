import { Deallocator } from "@scythe/core/deallocator";
import { describeDeallocation } from "../../report/sweepReports.js";
import { exitCodes } from "../exitCodes.js";
import type { ActionResult } from "../run.js";
import { leasesOnTarget } from "./leases.js";
import { countLine } from "../../progress/LiveStatus.js";
import type { Output } from "../output.js";


/** `scythe deallocate` */
export async function deallocate(output: Output, opts: { dryRun?: boolean }): Promise<ActionResult> {
  const { target, leases } = await leasesOnTarget();
  output.progress(`reconciling ${target.description}${opts.dryRun ? " (dry run)" : ""}`);
  const deallocator = new Deallocator({ registry: leases.registry, queue: leases.queue, worker: leases.worker, author: "cli" });
  const counts = countLine("deallocation pass: tearing down what nothing uses", "resources");
  const line = output.live(counts.render);
  const report = await deallocator.reconcile({ dryRun: Boolean(opts.dryRun), onProgress: counts.update }).finally(() => line.stop());
  output.result(report, describeDeallocation(report));
  if (report.errors.length > 0) return exitCodes.failed;
}
