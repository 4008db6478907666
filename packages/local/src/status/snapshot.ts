import { ScanCommand, type DynamoDBDocumentClient, type ScanCommandInput } from "@aws-sdk/lib-dynamodb";
import { DynamoDeployJournal, DynamoRegistry } from "@scythe/core/aws/dynamo";
import { type DeploySummary } from "@scythe/core/deploy";
import { type RecordedReapReport } from "@scythe/core/aws/dynamo";
import { type LeaseRecord, type ResourceRecord } from "@scythe/core/registry";
import { type TableNames } from "@scythe/core/schema";
import { buildTimeline, type Timeline } from "../report/timeline.js";
import type { SimEvent } from "../sim/index.js";

/** Where the simulator's event log comes from (the status server keeps an incremental copy). */
export interface EventSource {
  events(): Promise<readonly SimEvent[]>;
}

export interface LockView {
  readonly name: string;
  readonly held: boolean;
  readonly holder?: string;
  readonly token: number;
  /** Epoch ms; absent once released. */
  readonly expiresAt?: number;
}

export interface DeployView {
  readonly summary: DeploySummary;
  readonly timeline: Timeline;
}

/** Everything the status page shows, read in one go. */
export interface StatusSnapshot {
  readonly generatedAt: string;
  readonly locks: readonly LockView[];
  readonly leases: readonly LeaseRecord[];
  readonly resources: readonly ResourceRecord[];
  readonly reaperReports: readonly { readonly lock: string; readonly reports: readonly RecordedReapReport[] }[];
  /** Rollouts in progress, then the most recent finished ones. */
  readonly deploys: readonly DeployView[];
  /** The simulator's newest events, newest first. */
  readonly events: readonly SimEvent[];
  readonly eventCount: number;
}

export interface SnapshotSource {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
  readonly simulator: EventSource;
  /** Finished rollouts shown besides the running ones (default 3). */
  readonly recentDeploys?: number;
  /** Simulator events shown (default 40). */
  readonly events?: number;
}

async function scanAll(doc: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new ScanCommand({ ...input, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

const num = (v: unknown) => (typeof v === "number" ? v : 0);

/** Reads the local world's tables and simulator for the status page. Scans are fine at a local world's size. */
export async function readSnapshot(source: SnapshotSource, now = Date.now()): Promise<StatusSnapshot> {
  const { doc, tables } = source;
  const registry = new DynamoRegistry(doc, tables.registry);
  const journal = new DynamoDeployJournal(doc, { tableName: tables.registry });
  const [lockItems, leases, resources, summaries, events] = await Promise.all([
    scanAll(doc, { TableName: tables.locks }),
    registry.listLeases(),
    registry.listResources(),
    scanAll(doc, {
      TableName: tables.registry,
      FilterExpression: "begins_with(pk, :deploy) AND sk = :summary",
      ExpressionAttributeValues: { ":deploy": "deploy#", ":summary": "summary" },
    }),
    source.simulator.events(),
  ]);

  const locks: LockView[] = [];
  const reaperReports: { lock: string; reports: RecordedReapReport[] }[] = [];
  for (const item of lockItems) {
    const pk = String(item.pk);
    if (pk.startsWith("reports#")) {
      reaperReports.push({ lock: pk.slice("reports#".length), reports: Array.isArray(item.reports) ? (item.reports as RecordedReapReport[]) : [] });
      continue;
    }
    const holder = typeof item.holder === "string" ? item.holder : undefined;
    const expiresAt = num(item.expiresAt);
    locks.push({ name: pk, held: holder !== undefined && expiresAt >= now, ...(holder !== undefined && { holder, expiresAt }), token: num(item.token) });
  }
  locks.sort((a, b) => Number(b.held) - Number(a.held) || a.name.localeCompare(b.name));

  const running = (s: Record<string, unknown>) => s.status === "running" || s.status === "stopping";
  const byStart = (a: Record<string, unknown>, b: Record<string, unknown>) => String(b.startedAt).localeCompare(String(a.startedAt));
  const shown = [...summaries.filter(running).sort(byStart), ...summaries.filter((s) => !running(s)).sort(byStart).slice(0, source.recentDeploys ?? 3)];
  const deploys = await Promise.all(
    shown.map(async (item) => {
      const executionId = String(item.executionId);
      const [summary, instances] = await Promise.all([journal.summary(executionId), journal.instances(executionId)]);
      if (!summary) return undefined;
      return { summary, timeline: buildTimeline({ summary, instances, events, now }) };
    }),
  );

  return {
    generatedAt: new Date(now).toISOString(),
    locks,
    leases: [...leases].sort((a, b) => b.updatedAt - a.updatedAt),
    resources: [...resources].sort((a, b) => b.updatedAt - a.updatedAt),
    reaperReports,
    deploys: deploys.filter((d): d is DeployView => d !== undefined),
    events: events.slice(-(source.events ?? 40)).reverse(),
    eventCount: events.length,
  };
}
