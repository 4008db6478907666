import { use, type StackContext } from "sst/constructs";
import { deallocatorJobs } from "./janitor/deallocator.js";
import { leaseJobs } from "./janitor/leases.js";
import { orphanJobs } from "./janitor/orphans.js";
import { reaperJobs } from "./janitor/reaper.js";
import { Storage } from "./Storage.js";

/** The scheduled cleanup jobs and their on-demand Lambdas. */
export function Janitor({ stack, app }: StackContext) {
  const tables = use(Storage);
  const { reaper, herokuToken } = reaperJobs(stack, tables, app);
  const { leases, sweep, streamWorker } = leaseJobs(stack, tables, app, herokuToken);
  const { deallocator } = deallocatorJobs(stack, tables, app, herokuToken);
  const { orphans } = orphanJobs(stack, tables, app, herokuToken);
  stack.addOutputs({
    ReaperFunction: reaper.functionName,
    LeasesFunction: leases.functionName,
    ExpirySweepFunction: sweep.functionName,
    ...(streamWorker && { StreamWorkerFunction: streamWorker.functionName }),
    DeallocatorFunction: deallocator.functionName,
    OrphansFunction: orphans.functionName,
  });
  return { reaper, leases, sweep, streamWorker, deallocator, orphans };
}
