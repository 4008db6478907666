import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoCall } from "./errors.js";
import { Update, absent, and, attr, conditionOnly, cond, equals, notExists, or } from "./expression.js";
import { batchGetAll, transact, write, type TransactItem } from "./gateway.js";

/** One instance a deploy has taken (or is about to take) out of a load balancer. */
export interface OutClaim {
  readonly executionId: string;
  /** The deploy lock and token the claim was made under: the claim lives while that lease does. */
  readonly lock: string;
  readonly token: number;
  readonly instanceId: string;
  readonly batch: number;
}

/** A load balancer's ledger: who has which endpoint out, at which version. */
export interface ClaimSheet {
  readonly loadBalancer: string;
  /** 0 when the ledger item does not exist yet. */
  readonly version: number;
  /** Endpoint (EC2 instance) id → claim. */
  readonly out: Readonly<Record<string, OutClaim>>;
}

/** A ledger rewritten by a plan: the version it was read at, and what is out afterwards. */
export interface SheetWrite {
  readonly loadBalancer: string;
  readonly readVersion: number;
  readonly out: Readonly<Record<string, OutClaim>>;
}

export interface LoadBalancerClaimsOptions {
  /** The locks table: the ledgers are coordination items beside the locks. */
  readonly tableName: string;
}

export const claimKey = (loadBalancer: string) => `lb-out/${loadBalancer}`;

/**
 * How long DynamoDB keeps an instance claim nobody let go (its deploy crashed): a week, well
 * past the longest a live claim lasts (one batch: a 4 h drain, a 24 h deployment and a 4 h
 * health timeout at most), so TTL only ever removes a dead claim.
 */
export const instanceClaimRetentionSeconds = 7 * 86_400;

/** The item by which one deploy at a time holds an instance, whatever its lock or target kind. */
export const instanceClaimKey = (endpoint: string) => `deploy-instance/${endpoint}`;

/** A transaction item the caller adds to the claim (the deploy journal's plan record). */
export type { TransactItem };

const what = "load balancer claims";

/**
 * Per-load-balancer "out" ledgers in DynamoDB. A deploy decides which instances leave a
 * load balancer against its ledger and commits the decision with one transaction that is
 * conditional on every ledger's version, so two deploys touching one load balancer can
 * never both count on the same instance staying in service.
 */
export class LoadBalancerClaims {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly options: LoadBalancerClaimsOptions,
  ) {}

  async read(loadBalancers: readonly string[]): Promise<ClaimSheet[]> {
    return Promise.all(
      loadBalancers.map(async (loadBalancer) => {
        const out = await dynamoCall(what, () =>
          this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { pk: claimKey(loadBalancer) }, ConsistentRead: true })),
        );
        const item = out.Item;
        return { loadBalancer, version: typeof item?.version === "number" ? item.version : 0, out: toClaims(item?.out) };
      }),
    );
  }

  /** The transaction items that rewrite the ledgers, each conditional on the version it was read at. */
  writeItems(writes: readonly SheetWrite[]): TransactItem[] {
    return writes.map((w) => ({
      Put: {
        TableName: this.options.tableName,
        Item: { pk: claimKey(w.loadBalancer), version: w.readVersion + 1, out: w.out },
        ...conditionOnly(w.readVersion === 0 ? notExists(attr("pk")) : cond`${attr("version")} = ${w.readVersion}`),
      },
    }));
  }

  /**
   * Commits the ledgers and the caller's items at once. False when any condition failed or
   * another transaction touched an item meanwhile: re-read and plan again.
   */
  async commit(writes: readonly SheetWrite[], also: readonly TransactItem[]): Promise<boolean> {
    const items = [...this.writeItems(writes), ...also];
    if (items.length > 100) throw new RangeError(`a batch's claim touches ${items.length} items; DynamoDB transactions hold at most 100`);
    // Refused by a version or by another transaction on the same items: either way, plan again.
    return (await transact(this.doc, items, what)).ok;
  }

  /**
   * Drops `endpoint`'s claim on `loadBalancer` if `executionId` holds it; bumps the version
   * so a plan read before cannot write the claim back. False when there was none to drop.
   */
  async release(loadBalancer: string, endpoint: string, executionId: string): Promise<boolean> {
    const out = await write(this.doc, { update: this.releaseRequest(loadBalancer, endpoint, executionId) }, what);
    return out.ok;
  }

  releaseRequest(loadBalancer: string, endpoint: string, executionId: string) {
    const built = new Update()
      .remove(attr("out", endpoint))
      .increment("version", 1)
      .when(cond`${attr("out", endpoint, "executionId")} = ${executionId}`)
      .build();
    return { TableName: this.options.tableName, Key: { pk: claimKey(loadBalancer) }, ...built };
  }

  /**
   * The deploys holding each of `endpoints` (absent: none ever did, or it let go). A claim
   * whose deploy no longer holds its lock is stale: the caller judges that against the locks.
   */
  async readInstances(endpoints: readonly string[]): Promise<Map<string, OutClaim>> {
    const keys = [...new Set(endpoints)].map((endpoint) => ({ pk: instanceClaimKey(endpoint) }));
    const found = new Map<string, OutClaim>();
    for (const item of await batchGetAll(this.doc, this.options.tableName, keys, what)) {
      const claim = toClaims({ one: item.claim }).one;
      if (claim && typeof item.endpoint === "string") found.set(item.endpoint, claim);
    }
    return found;
  }

  /**
   * Takes `endpoint` for `claim`'s deploy: when no deploy holds it, when that deploy already
   * does (a second delivery), or in place of `stale`, a claim judged dead since it was read.
   * False when another deploy holds it now.
   */
  async claimInstance(endpoint: string, claim: OutClaim, stale?: OutClaim): Promise<boolean> {
    const pk = instanceClaimKey(endpoint);
    const mine = equals(attr("claim", "executionId"), claim.executionId);
    const replacing = stale ? [and(equals(attr("claim", "executionId"), stale.executionId), equals(attr("claim", "token"), stale.token))] : [];
    const ttl = Math.floor(Date.now() / 1000) + instanceClaimRetentionSeconds;
    const put = { TableName: this.options.tableName, Item: { pk, endpoint, claim, ttl }, ...conditionOnly(or(absent, mine, ...replacing)) };
    return (await write(this.doc, { put }, what)).ok;
  }

  /** Lets go of `endpoint` if `executionId` holds it; false when it did not. */
  async releaseInstance(endpoint: string, executionId: string): Promise<boolean> {
    const del = { TableName: this.options.tableName, Key: { pk: instanceClaimKey(endpoint) }, ...conditionOnly(equals(attr("claim", "executionId"), executionId)) };
    return (await write(this.doc, { delete: del }, what)).ok;
  }
}

function toClaims(raw: unknown): Record<string, OutClaim> {
  if (!raw || typeof raw !== "object") return {};
  const out: Record<string, OutClaim> = {};
  for (const [endpoint, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!value || typeof value !== "object") continue;
    const v = value as Record<string, unknown>;
    if (typeof v.executionId !== "string" || typeof v.lock !== "string" || typeof v.token !== "number") continue;
    out[endpoint] = {
      executionId: v.executionId,
      lock: v.lock,
      token: v.token,
      instanceId: typeof v.instanceId === "string" ? v.instanceId : "",
      batch: typeof v.batch === "number" ? v.batch : -1,
    };
  }
  return out;
}
