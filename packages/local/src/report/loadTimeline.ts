import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type DeployJournal } from "@scythe/core/deploy";
import { UnknownIdError } from "@scythe/core/errors";
import type { SimControl } from "../sim/index.js";
import { renderTimelinePage } from "./renderTimeline.js";
import { buildTimeline, type Timeline } from "./timeline.js";

/** No journal records for that execution (never started here, or older than their TTL). */
export class DeployNotFoundError extends UnknownIdError {}

/**
 * A rollout's timeline: the deploy journal, and in the local world the simulator's event
 * log for the in-service counts. Against a stage there is no event log: the journal alone.
 */
export async function loadTimeline(journal: DeployJournal, executionId: string, simulator?: SimControl, now = Date.now()): Promise<Timeline> {
  const [summary, instances] = await Promise.all([journal.summary(executionId), journal.instances(executionId)]);
  if (!summary) throw new DeployNotFoundError("EXECUTION", executionId, `no deploy journal for ${executionId} (it never started here, or its records passed their 30-day TTL)`);
  const events = simulator ? await simulator.events() : undefined;
  return buildTimeline({ summary, instances, events, now });
}

/** Writes the self-contained timeline page; returns its file:// URL to print. */
export async function writeTimelineReport(path: string, timeline: Timeline): Promise<string> {
  const absolute = resolve(path);
  await writeFile(absolute, renderTimelinePage(timeline));
  return pathToFileURL(absolute).href;
}
