import type { SimControl, SimEvent, StateSnapshot } from "../sim/index.js";
import { appliedCall } from "../stepfunctions/rolloutAudit.js";

/** Target group name → `id:port` of every registration (any phase). */
export type TargetMembership = Record<string, string[]>;

export function targetMembership(state: StateSnapshot): TargetMembership {
  return Object.fromEntries(state.targetGroups.map((tg) => [tg.name, tg.targets.map((t) => `${t.Id}:${t.Port}`).sort()]));
}

export interface Ec2Audit {
  /** Moments a target group that had healthy targets had none (detector and event log). */
  readonly zeroHealthy: readonly { readonly group: string; readonly seq: number; readonly cause: string }[];
  /** Registrations taken out (group, id, port) and never put back. */
  readonly notReattached: readonly string[];
  /** Registrations into a group the target had not been taken out of. */
  readonly attachedElsewhere: readonly string[];
  /** Instance id → SSM commands sent to it. */
  readonly commandsPerInstance: Readonly<Record<string, number>>;
  readonly membershipChanged: boolean;
}

const targetsOf = (params: unknown): { id: string; port: string }[] => {
  const p = (params ?? {}) as Record<string, string>;
  return Object.keys(p)
    .map((k) => /^Targets\.member\.(\d+)\.Id$/.exec(k)?.[1])
    .filter((n): n is string => n !== undefined)
    .map((n) => ({ id: p[`Targets.member.${n}.Id`] ?? "", port: p[`Targets.member.${n}.Port`] ?? "?" }));
};

/** Checks an EC2 rollout from the simulator's own records: its event log, its detector and its state. */
export async function auditEc2Rollout(control: SimControl, since: number, before: TargetMembership): Promise<Ec2Audit> {
  const events: SimEvent[] = await control.events(since);
  const state = await control.state();
  const groupName = new Map(state.targetGroups.map((tg) => [tg.arn, tg.name]));
  const zero = new Map<string, { group: string; seq: number; cause: string }>();
  for (const v of (await control.violations()).filter((x) => x.seq > since && x.loadBalancer.startsWith("targetgroup/"))) {
    zero.set(`${v.loadBalancer}@${v.seq}`, { group: v.loadBalancer, seq: v.seq, cause: v.cause });
  }
  const last = new Map<string, number>();
  for (const e of events) {
    for (const [group, count] of Object.entries(e.inService)) {
      if (!group.startsWith("targetgroup/")) continue;
      const previous = last.get(group);
      if (previous !== undefined && previous > 0 && count === 0) zero.set(`${group}@${e.seq}`, { group, seq: e.seq, cause: `${e.kind} ${e.action}` });
      last.set(group, count);
    }
  }
  const out = new Set<string>();
  const attachedElsewhere: string[] = [];
  const commandsPerInstance: Record<string, number> = {};
  for (const e of events.filter(appliedCall)) {
    const group = groupName.get(String((e.params as { TargetGroupArn?: string }).TargetGroupArn)) ?? "?";
    if (e.action === "DeregisterTargets") for (const t of targetsOf(e.params)) out.add(`${group} ${t.id}:${t.port}`);
    if (e.action === "RegisterTargets") {
      for (const t of targetsOf(e.params)) {
        const key = `${group} ${t.id}:${t.port}`;
        if (out.has(key)) out.delete(key);
        else if (!before[group]?.includes(`${t.id}:${t.port}`)) attachedElsewhere.push(key);
      }
    }
    if (e.action === "SendCommand") for (const id of (e.params as { InstanceIds?: string[] }).InstanceIds ?? []) commandsPerInstance[id] = (commandsPerInstance[id] ?? 0) + 1;
  }
  const after = targetMembership(state);
  const membershipChanged = Object.keys(before).some((g) => JSON.stringify(after[g] ?? []) !== JSON.stringify(before[g]));
  return { zeroHealthy: [...zero.values()], notReattached: [...out], attachedElsewhere, commandsPerInstance, membershipChanged };
}
