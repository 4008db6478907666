import { use, type StackContext } from "sst/constructs";
import { orphanJobs } from "./janitor/orphans.js";
import { Storage } from "./Storage.js";

/** The scheduled cleanup jobs and their on-demand Lambdas. */
export function Janitor({ stack, app }: StackContext) {
  const tables = use(Storage);
  const { orphans } = orphanJobs(stack, tables, app);
  stack.addOutputs({ OrphansFunction: orphans.functionName });
  return { orphans };
}
