import { LockService } from "../../lock/LockService.js";
import type { ClaimSheet, OutClaim, SheetWrite } from "../../aws/dynamo/LoadBalancerClaims.js";
import type { BatchPlan } from "../DeployJournal.js";
import { detachPlan, type BatchMember, type DetachDecision, type LoadBalancerView } from "../detachPlan.js";
import type { LoadBalancerMembers } from "../ports.js";
import { ClaimContendedError, InstanceBusyError } from "../errors.js";
import type { DeploySession } from "./session.js";

const attempts = 12;

/**
 * Plans a batch's detaches and claims them, atomically with respect to every other
 * deploy touching the same load balancers, whatever their stack or lock:
 *
 * 1. read the ledgers of every load balancer a member is registered with;
 * 2. read health; an instance counts as staying in service only if it is InService, not
 *    draining, and not claimed out by another live deploy (a claim outlives ELB's
 *    eventually consistent health: it is dropped only once the instance serves again);
 * 3. commit the plan record and the new ledgers in one transaction, conditional on each
 *    ledger's version. Another deploy's claim in between fails it: read and plan again.
 *
 * A second delivery of the task finds the committed plan and returns it unchanged.
 */
export async function claimBatchPlan(
  session: DeploySession,
  index: number,
  batch: readonly BatchMember[],
  /**
   * What the task read already, beside its check-in (which renewed the lease): the first
   * attempt does not read it, or renew the lease, again.
   */
  first?: { readonly recorded: BatchPlan | undefined; readonly loadBalancers: readonly LoadBalancerMembers[] },
): Promise<readonly DetachDecision[]> {
  const { config, services } = session;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const recorded = attempt === 0 && first ? first.recorded : await services.journal.plan(config.executionId, index);
    if (recorded) return recorded.decisions;
    const wanted = new Set(batch.flatMap((m) => (m.endpointId ? [m.endpointId] : [])));
    const listed = attempt === 0 && first ? first.loadBalancers : await services.loadBalancers.list();
    const lbs = listed.filter((lb) => lb.instances.some((id) => wanted.has(id)));
    // At once, and all before the commit: the batch's instances taken (on the first attempt),
    // the lease renewed (not one instance leaves without its claim, under a lease that holds:
    // on the first attempt the task's check-in, one round trip ago, renewed it), and the
    // ledgers read then health asked. A busy instance or a lost lock stops the task before
    // anything is committed.
    const [claimed, renewed, viewed] = await Promise.allSettled([
      attempt === 0 ? claimInstances(session, index, batch) : Promise.resolve(),
      attempt === 0 && first ? Promise.resolve() : session.heartbeat(),
      planViews(session, lbs, wanted),
    ]);
    if (claimed.status === "rejected") throw claimed.reason;
    if (renewed.status === "rejected") throw renewed.reason;
    if (viewed.status === "rejected") throw viewed.reason;
    const { sheets, live, views } = viewed.value;
    const decisions = detachPlan(batch, views);
    const writes: SheetWrite[] = [];
    for (const sheet of sheets) {
      const leaving = decisions.filter((d) => d.endpointId !== undefined && d.detachFrom.includes(sheet.loadBalancer));
      if (leaving.length === 0) continue;
      const out: Record<string, OutClaim> = { ...live.get(sheet.loadBalancer) };
      for (const d of leaving) {
        out[d.endpointId ?? ""] = { executionId: config.executionId, lock: session.lock.name, token: session.lock.token, instanceId: d.instanceId, batch: index };
      }
      writes.push({ loadBalancer: sheet.loadBalancer, readVersion: sheet.version, out });
    }
    if (await services.claims.commit(writes, [services.journal.planItem(config.executionId, index, decisions)])) return decisions;
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
  }
  throw new ClaimContendedError(`batch ${index + 1}: load balancer claims kept changing under ${attempts} attempts; the state machine retries`);
}

/** The ledgers of the batch's load balancers, the live claims in them, and what each load balancer has in service. */
async function planViews(session: DeploySession, lbs: readonly LoadBalancerMembers[], wanted: ReadonlySet<string>) {
  const sheets = await session.services.claims.read(lbs.map((lb) => lb.name));
  const live = await liveClaims(session, sheets);
  const views: LoadBalancerView[] = await Promise.all(
    lbs.map(async (lb) => {
      const out = live.get(lb.name) ?? {};
      const members = new Set(lb.instances);
      const inService = (await servingOthers(session, lb.name, lb.instances, wanted, out))
        .filter((h) => h.state === "InService" && !h.draining && members.has(h.instanceId) && out[h.instanceId] === undefined)
        .map((h) => h.instanceId);
      return { name: lb.name, members: lb.instances, inService, othersOut: Object.keys(out).length };
    }),
  );
  return { sheets, live, views };
}

/** Other members asked about first: enough that one of them is almost always in service. */
export const healthSample = 3;

/**
 * The health a plan needs from one load balancer, asked about as few instances as will do.
 * A batch member may leave when some instance outside the batch, not claimed out by another
 * deploy, stays InService: then the plan needs nothing else, and a few such members are
 * asked about (DescribeInstanceHealth with their ids). Only when none of those serves is
 * every registered instance asked about (the batch's own health then decides which member
 * stays, and why), as before: the cost per batch does not grow with the load balancer except
 * when it has almost nothing in service.
 */
async function servingOthers(session: DeploySession, name: string, registered: readonly string[], batch: ReadonlySet<string>, out: Readonly<Record<string, OutClaim>>) {
  const lbs = session.services.loadBalancers;
  const others = registered.filter((id) => !batch.has(id) && out[id] === undefined);
  const sample = others.slice(0, healthSample);
  if (sample.length > 0) {
    const health = await lbs.health(name, sample);
    if (health.some((h) => h.state === "InService" && !h.draining && sample.includes(h.instanceId))) return health;
  }
  return lbs.health(name);
}

/**
 * The claims of other deploys that still hold their lease. A claim whose deploy lost or
 * released its lock (it crashed, or its cleanup ran) is stale and dropped on the next
 * write: its instance is judged by health alone. This execution's own claims are never
 * live here: a plan is committed with its claims, so any left are from a finished batch.
 */
async function liveClaims(session: DeploySession, sheets: readonly ClaimSheet[]): Promise<Map<string, Record<string, OutClaim>>> {
  const isLive = liveness(session);
  const live = new Map<string, Record<string, OutClaim>>();
  for (const sheet of sheets) {
    const kept: Record<string, OutClaim> = {};
    for (const [endpoint, claim] of Object.entries(sheet.out)) {
      if (claim.executionId === session.config.executionId) continue;
      if (await isLive(claim)) kept[endpoint] = claim;
    }
    live.set(sheet.loadBalancer, kept);
  }
  return live;
}

/** Whether a claim's deploy still holds the lock and token it claimed under (each lock read once). */
function liveness(session: DeploySession): (claim: OutClaim) => Promise<boolean> {
  const locks = new LockService({ store: session.services.lockStore, clock: session.clock });
  const holders = new Map<string, Promise<{ holder?: string; token: number; held: boolean }>>();
  return async (claim) => {
    let status = holders.get(claim.lock);
    if (!status) holders.set(claim.lock, (status = locks.status(claim.lock)));
    const s = await status;
    return s.held && s.holder === claim.executionId && s.token === claim.token;
  };
}

/**
 * Takes every instance of the batch for this deploy before anything is planned, so that two
 * deploys under different locks (a global and a stack scope, an Auto Scaling group and a tag
 * set over the same instances) never deploy one instance at once. A claim left by a deploy
 * that no longer holds its lock is taken over; a live one stops this rollout (InstanceBusyError).
 */
async function claimInstances(session: DeploySession, index: number, batch: readonly BatchMember[]): Promise<void> {
  const { config, services } = session;
  const key = (m: BatchMember) => m.endpointId ?? m.instanceId;
  const isLive = liveness(session);
  for (let attempt = 0; attempt < 3; attempt++) {
    const held = await services.claims.readInstances(batch.map(key));
    const busy: { hostname: string; executionId: string; lock: string }[] = [];
    for (const m of batch) {
      const claim = held.get(key(m));
      if (claim && claim.executionId !== config.executionId && (await isLive(claim))) busy.push({ hostname: m.hostname, executionId: claim.executionId, lock: claim.lock });
    }
    if (busy.length > 0) throw new InstanceBusyError(busy);
    const taken = await Promise.all(
      batch.map((m) => {
        const claim: OutClaim = { executionId: config.executionId, lock: session.lock.name, token: session.lock.token, instanceId: m.instanceId, batch: index };
        const stale = held.get(key(m));
        return services.claims.claimInstance(key(m), claim, stale && stale.executionId !== config.executionId ? stale : undefined);
      }),
    );
    // One was taken between the read and the write: read again, and name who has it.
    if (taken.every(Boolean)) return;
  }
  throw new ClaimContendedError(`batch ${index + 1}: instance claims kept changing under 3 attempts; the state machine retries`);
}
