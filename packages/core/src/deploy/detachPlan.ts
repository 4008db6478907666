/** A member of a batch: the deploy target's id and the id its load balancers know. */
export interface BatchMember {
  readonly instanceId: string;
  readonly hostname: string;
  readonly endpointId?: string;
}

/** What a load balancer looks like just before a batch is detached. */
export interface LoadBalancerView {
  readonly name: string;
  /** Endpoint ids registered with it (not those already draining). */
  readonly members: readonly string[];
  /** The members whose health is InService now and that no other deploy has claimed out. */
  readonly inService: readonly string[];
  /** How many of its instances other deploys have out (or are taking out) right now. */
  readonly othersOut?: number;
}

export interface KeptIn {
  readonly loadBalancer: string;
  readonly reason: string;
}

export interface DetachDecision {
  readonly instanceId: string;
  readonly endpointId?: string;
  /** Load balancers to take it out of, and to put it back into after the deploy. */
  readonly detachFrom: readonly string[];
  /** Load balancers it stays in during its deploy, and why. */
  readonly keptIn: readonly KeptIn[];
}

export const keptInReasons = {
  onlyInService: "it is the only instance in service behind this load balancer",
  noneInService: "no instance is in service behind this load balancer; detaching cannot keep one serving",
  batchLimit: "the rest of its batch is already coming out of this load balancer; one instance must stay in service",
  othersOut: "another deploy has the other instances of this load balancer out; one instance must stay in service",
} as const;

/**
 * Decides, for one batch, which load balancers each instance leaves during its deploy.
 * An instance leaves a load balancer only if at least one InService instance stays
 * behind it once every detach decided so far is counted; otherwise it is deployed in
 * place and the reason is given. Load balancers and the batch are taken in order, so
 * the same view always gives the same plan.
 */
export function detachPlan(batch: readonly BatchMember[], loadBalancers: readonly LoadBalancerView[]): DetachDecision[] {
  const detachFrom = new Map<string, string[]>(batch.map((m) => [m.instanceId, []]));
  const keptIn = new Map<string, KeptIn[]>(batch.map((m) => [m.instanceId, []]));
  const ordered = [...loadBalancers].sort((a, b) => a.name.localeCompare(b.name));
  for (const lb of ordered) {
    // Sets: a load balancer may hold thousands of members, and every batch plans against it.
    const members = new Set(lb.members);
    const serving = new Set(lb.inService.filter((id) => members.has(id)));
    const hadServing = serving.size;
    for (const member of batch) {
      const id = member.endpointId;
      if (id === undefined || !members.has(id)) continue;
      const left = new Set(serving);
      left.delete(id);
      if (left.size > 0) {
        serving.delete(id);
        detachFrom.get(member.instanceId)?.push(lb.name);
        continue;
      }
      const alone = hadServing === 0 || (hadServing === 1 && serving.has(id));
      const reason = alone && (lb.othersOut ?? 0) > 0 ? keptInReasons.othersOut : hadServing === 0 ? keptInReasons.noneInService : alone ? keptInReasons.onlyInService : keptInReasons.batchLimit;
      keptIn.get(member.instanceId)?.push({ loadBalancer: lb.name, reason });
    }
  }
  return batch.map((m) => ({
    instanceId: m.instanceId,
    ...(m.endpointId !== undefined && { endpointId: m.endpointId }),
    detachFrom: detachFrom.get(m.instanceId) ?? [],
    keptIn: keptIn.get(m.instanceId) ?? [],
  }));
}
