import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type DeployJournal } from "@scythe/core/deploy";
import { ValidationError } from "@scythe/core/errors";
import type { Output } from "../cli/output.js";
import type { SimControl } from "../sim/index.js";
import { loadTimeline, writeTimelineReport } from "./loadTimeline.js";

/** Refuses a report path whose directory is missing before anything starts. */
export function checkReportPath(field: string, path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ValidationError(field, `cannot write ${path}: directory ${dir} does not exist`);
}

/** Draws the rollout's timeline into `path` and says where to open it. */
export async function writeReport(output: Output, path: string, journal: DeployJournal, executionId: string, simulator?: SimControl): Promise<string> {
  const timeline = await loadTimeline(journal, executionId, simulator);
  const url = await writeTimelineReport(path, timeline);
  output.progress(`timeline of the rollout: ${url}${simulator ? "" : " (from the deploy journal alone: no load balancer counts against a stage)"}`);
  return url;
}
