import type { DeploySummary, InstanceProgress } from "@scythe/core/deploy";
import type { SimEvent } from "../sim/index.js";

/** What an instance is doing during one stretch of the rollout, as the timeline's lanes show it. */
export type LaneState = "in-service" | "detached" | "deploying" | "reattaching" | "failed" | "skipped";

export interface Segment {
  readonly state: LaneState;
  /** Epoch ms. */
  readonly from: number;
  readonly to: number;
}

export interface Lane {
  readonly instanceId: string;
  readonly hostname: string;
  /** 1-based batch number; 0 for a skipped instance. */
  readonly batch: number;
  readonly phase: InstanceProgress["phase"];
  readonly detachFrom: readonly string[];
  readonly keptIn: readonly { readonly loadBalancer: string; readonly reason: string }[];
  readonly deploymentId?: string;
  readonly note?: string;
  readonly segments: readonly Segment[];
}

export interface InServicePoint {
  readonly at: number;
  readonly inService: number;
  /** What the simulator had just done ("elb DeregisterInstancesFromLoadBalancer"). */
  readonly cause: string;
}

export interface LoadBalancerSeries {
  readonly name: string;
  readonly points: readonly InServicePoint[];
  readonly min: number;
  readonly max: number;
  /** Moments the count fell from at least one to zero: downtime. */
  readonly zeroAt: readonly number[];
}

export interface Timeline {
  readonly executionId: string;
  readonly status: DeploySummary["status"];
  readonly stackId: string;
  readonly layerId: string;
  readonly appId: string;
  readonly start: number;
  readonly end: number;
  readonly lanes: readonly Lane[];
  readonly loadBalancers: readonly LoadBalancerSeries[];
  /** Where the data came from, said on the page. */
  readonly source: "journal-and-simulator" | "journal";
  readonly error?: { readonly name: string; readonly message: string };
}

const ms = (iso: string | undefined): number | undefined => {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

/**
 * An instance's stretches from the journal's phase timestamps. In service until it is
 * detached; detached while draining; deploying; reattaching until in service again. A
 * stretch still open ends at `end` (a running rollout is drawn up to now).
 */
export function laneSegments(record: InstanceProgress, start: number, end: number): Segment[] {
  const t = record.times;
  if (record.phase === "skipped") return [{ state: "skipped", from: start, to: end }];
  const detached = ms(t.detachedAt);
  const deployStarted = ms(t.deployStartedAt);
  const deployed = ms(t.deployedAt);
  const attached = ms(t.attachedAt);
  const inService = ms(t.inServiceAt);
  const reattached = ms(t.reattachedAt);
  const marks: { at: number; state: LaneState }[] = [{ at: start, state: "in-service" }];
  const inPlace = (record.detachFrom ?? []).length === 0;
  if (detached !== undefined && !inPlace) marks.push({ at: detached, state: "detached" });
  if (deployStarted !== undefined) marks.push({ at: deployStarted, state: "deploying" });
  if (deployed !== undefined) {
    const failed = record.phase === "failed" || (record.phase === "reattached" && record.deploymentStatus === "failed");
    marks.push({ at: deployed, state: failed ? "failed" : inPlace ? "in-service" : "reattaching" });
  }
  if (attached !== undefined && !inPlace && record.phase !== "failed") marks.push({ at: Math.max(attached, deployed ?? attached), state: "reattaching" });
  if (inService !== undefined) marks.push({ at: inService, state: "in-service" });
  if (reattached !== undefined) marks.push({ at: reattached, state: "in-service" });
  marks.sort((a, b) => a.at - b.at);
  const segments: Segment[] = [];
  marks.forEach((mark, i) => {
    const from = Math.max(start, Math.min(end, mark.at));
    const to = Math.max(from, Math.min(end, marks[i + 1]?.at ?? end));
    const last = segments[segments.length - 1];
    if (last && last.state === mark.state) segments[segments.length - 1] = { ...last, to };
    else if (to > from || i === marks.length - 1) segments.push({ state: mark.state, from, to });
  });
  return segments;
}

/**
 * The in-service count behind each load balancer over the rollout, from the simulator's
 * event log (every event carries the count after it). The count at the start is the last
 * one logged before it.
 */
export function inServiceSeries(events: readonly SimEvent[], names: readonly string[], start: number, end: number): LoadBalancerSeries[] {
  const ordered = [...events].sort((a, b) => a.seq - b.seq);
  return names.map((name) => {
    const points: InServicePoint[] = [];
    let before: InServicePoint | undefined;
    for (const e of ordered) {
      const count = e.inService[name];
      const at = ms(e.realAt);
      if (count === undefined || at === undefined) continue;
      const point = { at, inService: count, cause: `${e.service} ${e.action}` };
      if (at < start) before = point;
      else if (at <= end && points[points.length - 1]?.inService !== count) points.push(point);
    }
    if (before && (points.length === 0 || (points[0]?.at ?? 0) > start)) points.unshift({ ...before, at: start });
    const counts = points.map((p) => p.inService);
    const zeroAt = points.filter((p, i) => p.inService === 0 && i > 0 && (points[i - 1]?.inService ?? 0) > 0).map((p) => p.at);
    return { name, points, min: counts.length ? Math.min(...counts) : 0, max: counts.length ? Math.max(...counts) : 0, zeroAt };
  });
}

export interface TimelineInput {
  readonly summary: DeploySummary;
  readonly instances: readonly InstanceProgress[];
  /** The simulator's event log (local world); absent against a deployed stage. */
  readonly events?: readonly SimEvent[];
  /** Where a running rollout is drawn up to (epoch ms). */
  readonly now: number;
}

const finished = (status: DeploySummary["status"]) => status !== "running" && status !== "stopping";

/** Everything the timeline draws, from the deploy journal and (locally) the simulator's event log. */
export function buildTimeline(input: TimelineInput): Timeline {
  const { summary, instances } = input;
  const stamps = instances.flatMap((r) => [...Object.values(r.times), r.updatedAt]).map(ms).filter((t): t is number => t !== undefined);
  const start = Math.min(ms(summary.startedAt) ?? input.now, ...stamps);
  const last = Math.max(start + 1, ...stamps, ...(finished(summary.status) ? [ms(summary.updatedAt) ?? start] : [input.now]));
  // A little room on both sides, so the state before the first detach and after the last return shows.
  const pad = Math.max(50, (last - start) * 0.03);
  const from = start - pad;
  const to = last + pad;
  const lanes: Lane[] = instances.map((r) => ({
    instanceId: r.instanceId,
    hostname: r.hostname || r.instanceId,
    batch: r.batch + 1,
    phase: r.phase,
    detachFrom: r.detachFrom ?? [],
    keptIn: r.keptIn ?? [],
    ...(r.deploymentId !== undefined && { deploymentId: r.deploymentId }),
    ...(r.skippedReason !== undefined && { note: r.skippedReason }),
    segments: laneSegments(r, from, to),
  }));
  const named = new Set<string>();
  for (const r of instances) {
    for (const lb of r.detachFrom ?? []) named.add(lb);
    for (const k of r.keptIn ?? []) named.add(k.loadBalancer);
  }
  const loadBalancers = input.events ? inServiceSeries(input.events, [...named].sort(), from, to) : [];
  return {
    executionId: summary.executionId,
    status: summary.status,
    stackId: summary.stackId,
    layerId: summary.layerId,
    appId: summary.appId,
    start: from,
    end: to,
    lanes,
    loadBalancers,
    source: input.events ? "journal-and-simulator" : "journal",
    ...(summary.error && { error: summary.error }),
  };
}
