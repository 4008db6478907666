import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { systemClock, type Clock } from "../../clock.js";
import { StorageUnavailableError } from "../../errors.js";
import { absent, attr, cond } from "./expression.js";
import { sendFenced } from "./fencedWrite.js";
import type { Fence } from "../../lock/fence.js";
import type { ReapReport } from "../../reaper/report.js";

/** What is kept of one pass: the counts, and a few names, so the item stays small. */
export interface RecordedReapReport {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly platform: string;
  readonly namespace: string;
  readonly dryRun: boolean;
  readonly seen: number;
  readonly matched: number;
  readonly deleted: number;
  readonly left: number;
  readonly conflicts: number;
  readonly errors: number;
  readonly remaining: number;
  readonly limit: number;
  readonly apiCalls: number;
  readonly complete: boolean;
  /** The first few deleted (or, in a dry run, would-be deleted) app names. */
  readonly deletedNames: readonly string[];
  readonly errorMessages: readonly string[];
  readonly lockToken?: number;
}

export interface ReportLogOptions {
  /** The table holding the reaper's lock (the reaper Lambda already has it). */
  readonly tableName: string;
  /** Passes kept, newest first (default 10). */
  readonly keep?: number;
  /** The item goes (DynamoDB TTL) this long after the last pass wrote it (default 30). */
  readonly retentionDays?: number;
  readonly clock?: Clock;
}

const NAMES = 10;
/** Beside the lock it is written under; `#` never occurs in a lock name a user can take. */
export const reportLogKey = (lockName: string) => `reports#${lockName}`;

export function recordOf(report: ReapReport): RecordedReapReport {
  return {
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    platform: report.platform,
    namespace: report.namespace,
    dryRun: report.dryRun,
    seen: report.seen,
    matched: report.matched,
    deleted: report.deleted.length,
    left: report.left.length,
    conflicts: report.conflicts.length,
    errors: report.errors.length,
    remaining: report.remaining,
    limit: report.limit,
    apiCalls: report.apiCalls,
    complete: report.complete,
    deletedNames: report.deleted.slice(0, NAMES).map((a) => a.name),
    errorMessages: report.errors.slice(0, 3).map((e) => `${e.name ? `${e.name}: ` : ""}${e.error}: ${e.message}`.slice(0, 200)),
    ...(report.lock?.token !== undefined && { lockToken: report.lock.token }),
  };
}

/**
 * The last few reaper passes, in one item beside the reaper's lock: what a person opening
 * the status page expects to see. Written under the pass's lock token (a paused pass that
 * lost its lock cannot overwrite its successor's entry) and on the version read, so the
 * list is never rewritten from a stale copy.
 */
export class ReaperReportLog {
  private readonly keep: number;
  private readonly clock: Clock;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly options: ReportLogOptions,
  ) {
    this.keep = options.keep ?? 10;
    this.clock = options.clock ?? systemClock;
  }

  /** Prepends this pass's report; older ones beyond `keep` drop off. */
  async record(lockName: string, report: ReapReport, fence: Fence): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const current = await this.read(lockName);
      const reports = [recordOf(report), ...current.reports].slice(0, this.keep);
      const ttl = Math.floor(this.clock.now() / 1000) + (this.options.retentionDays ?? 30) * 86_400;
      const out = await sendFenced(
        this.doc,
        {
          put: {
            TableName: this.options.tableName,
            Item: { pk: reportLogKey(lockName), reports, version: current.version + 1, ttl },
            condition: current.version === 0 ? absent : cond`${attr("version")} = ${current.version}`,
          },
        },
        fence,
        "reaper report log",
      );
      if (out.ok) return;
    }
    throw new StorageUnavailableError(`reaper reports for ${lockName} kept changing under this pass; not recorded`);
  }

  /** Newest first. */
  async latest(lockName: string): Promise<RecordedReapReport[]> {
    return (await this.read(lockName)).reports;
  }

  private async read(lockName: string): Promise<{ version: number; reports: RecordedReapReport[] }> {
    try {
      const out = await this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: reportLogKey(lockName) }, ConsistentRead: true }));
      const item = out.Item;
      return { version: typeof item?.version === "number" ? item.version : 0, reports: Array.isArray(item?.reports) ? (item.reports as RecordedReapReport[]) : [] };
    } catch (error) {
      throw new StorageUnavailableError(`reaper reports unavailable (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
  }
}
