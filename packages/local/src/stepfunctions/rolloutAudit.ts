import type { SimControl, SimEvent, StateSnapshot } from "../sim/index.js";

/** Load balancer → instance ids registered with it (in any phase). */
export type Membership = Record<string, string[]>;

export function membership(state: StateSnapshot): Membership {
  return Object.fromEntries(state.loadBalancers.map((lb) => [lb.name, lb.instances.map((i) => i.InstanceId).sort()]));
}

export interface RolloutAudit {
  /** Moments a load balancer that had instances in service had none (simulator's detector and event log). */
  readonly zeroInService: readonly { readonly loadBalancer: string; readonly seq: number; readonly cause: string }[];
  /** Instances taken out of a load balancer and never put back into it. */
  readonly notReattached: readonly { readonly instance: string; readonly loadBalancer: string }[];
  /** Registrations into a load balancer the instance had not been taken out of. */
  readonly attachedElsewhere: readonly { readonly instance: string; readonly loadBalancer: string }[];
  /** OpsWorks instance id → deployments created for it. */
  readonly deploymentsPerInstance: Readonly<Record<string, number>>;
  /** Load balancer membership changed between the given snapshot and now. */
  readonly membershipChanged: boolean;
  readonly ok: boolean;
}

/** A call the simulator carried out, even if its answer was then lost (a `dropAfter` fault). */
export function appliedCall(e: SimEvent): boolean {
  return e.kind === "call" && (e.outcome === "ok" || (e.outcome === "dropped" && e.status !== undefined && e.status < 400));
}

function instancesOf(params: unknown): string[] {
  if (!params || typeof params !== "object") return [];
  return Object.entries(params)
    .filter(([key]) => /^Instances\.member\.\d+\.InstanceId$/.test(key))
    .map(([, value]) => String(value));
}

function lbOf(params: unknown): string {
  return params && typeof params === "object" && "LoadBalancerName" in params ? String(params.LoadBalancerName) : "";
}

/**
 * Checks a rollout from the simulator's own records, not from what Scythe says it did:
 * the event log (every call, and the count in service behind each load balancer after
 * it) and the violation detector.
 */
export async function auditRollout(control: SimControl, since: number, before?: Membership): Promise<RolloutAudit> {
  const events = await control.events(since);
  const detector = (await control.violations()).filter((v) => v.seq > since);
  const zero = new Map<string, { loadBalancer: string; seq: number; cause: string }>();
  for (const v of detector) zero.set(`${v.loadBalancer}@${v.seq}`, { loadBalancer: v.loadBalancer, seq: v.seq, cause: v.cause });
  const last = new Map<string, number>();
  for (const e of events) {
    for (const [lb, count] of Object.entries(e.inService)) {
      const previous = last.get(lb);
      if (previous !== undefined && previous > 0 && count === 0) zero.set(`${lb}@${e.seq}`, { loadBalancer: lb, seq: e.seq, cause: `${e.kind} ${e.action}` });
      last.set(lb, count);
    }
  }
  const ok = appliedCall;
  const out = new Set<string>();
  const attachedElsewhere: { instance: string; loadBalancer: string }[] = [];
  const deploymentsPerInstance: Record<string, number> = {};
  for (const e of events.filter(ok)) {
    if (e.action === "DeregisterInstancesFromLoadBalancer") for (const id of instancesOf(e.params)) out.add(`${lbOf(e.params)}\u0000${id}`);
    if (e.action === "RegisterInstancesWithLoadBalancer") {
      for (const id of instancesOf(e.params)) {
        const key = `${lbOf(e.params)}\u0000${id}`;
        if (out.has(key)) out.delete(key);
        else if (!before?.[lbOf(e.params)]?.includes(id)) attachedElsewhere.push({ instance: id, loadBalancer: lbOf(e.params) });
      }
    }
    if (e.action === "CreateDeployment") {
      const ids = (e.params as { InstanceIds?: string[] }).InstanceIds ?? [];
      for (const id of ids) deploymentsPerInstance[id] = (deploymentsPerInstance[id] ?? 0) + 1;
    }
  }
  const notReattached = [...out].map((key) => {
    const [loadBalancer = "", instance = ""] = key.split("\u0000");
    return { instance, loadBalancer };
  });
  const membershipChanged = before !== undefined && JSON.stringify(pick(membership(await control.state()), before)) !== JSON.stringify(before);
  const zeroInService = [...zero.values()];
  return {
    zeroInService,
    notReattached,
    attachedElsewhere,
    deploymentsPerInstance,
    membershipChanged,
    ok: zeroInService.length === 0 && notReattached.length === 0 && attachedElsewhere.length === 0 && !membershipChanged,
  };
}

function pick(now: Membership, like: Membership): Membership {
  return Object.fromEntries(Object.keys(like).map((lb) => [lb, now[lb] ?? []]));
}
