/**
 * The one description of Scythe's DynamoDB tables. The SST stack (stacks/Storage.ts)
 * and the local world (packages/local) both build their tables from these objects,
 * so the deployed key schema and the one tested locally cannot drift apart.
 */
export type AttributeType = "S" | "N";

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Attributes copied into the index besides the keys; "ALL" projects every attribute. */
  readonly projection: "ALL" | "KEYS_ONLY" | readonly string[];
}

export interface TableDefinition {
  /** Logical id: the SST construct id, and the suffix of the local table name. */
  readonly id: string;
  /** Which entry of TableNames holds this table's name. */
  readonly key: keyof TableNames;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly indexes: readonly IndexDefinition[];
  readonly stream?: "NEW_IMAGE" | "NEW_AND_OLD_IMAGES";
  /** Epoch-seconds attribute DynamoDB's TTL deletes by (housekeeping only, never correctness). */
  readonly timeToLiveAttribute?: string;
}

/**
 * Lock items: one per lock name, or one per permit of a semaphore; and beside a lock, the
 * small report log of the job that holds it (`reports#<lock>`). Lock items carry no `ttl`,
 * so TTL only ever removes a report log nobody has written for its retention, or a deploy's
 * instance claim (`deploy-instance/<id>`) left by a crash, a week after it was taken.
 */
export const locksTable = {
  id: "Locks",
  key: "locks",
  partitionKey: { name: "pk", type: "S" },
  indexes: [],
  timeToLiveAttribute: "ttl",
} as const satisfies TableDefinition;

/**
 * Registry: resources, leases, their command queues and deploy progress, in one table
 * (pk = the object, sk = the record within it). The expiry index is sparse: only
 * records that carry `expiryShard` appear in it, so an expiry sweep reads what is due,
 * not the whole table.
 */
export const registryTable = {
  id: "Registry",
  key: "registry",
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  indexes: [
    {
      name: "byExpiry",
      partitionKey: { name: "expiryShard", type: "S" },
      sortKey: { name: "expiresAt", type: "N" },
      // A lease's resource and blueprint never change, so projecting them costs no index
      // writes beyond the keys', and lets the sweep expire a lease without reading it.
      projection: ["resourceId", "blueprint"],
    },
    {
      // Sparse too: only resources marked for deletion and not yet destroyed carry
      // `deletionShard`, so the deallocator's pass reads its candidates, not the table.
      name: "byDeletion",
      partitionKey: { name: "deletionShard", type: "S" },
      projection: "KEYS_ONLY",
    },
  ],
  stream: "NEW_AND_OLD_IMAGES",
  timeToLiveAttribute: "ttl",
} as const satisfies TableDefinition;

export const tables = [locksTable, registryTable] as const;

/** Table names as deployed or created locally: one per definition. */
export interface TableNames {
  readonly locks: string;
  readonly registry: string;
}

export function tableNamesWithPrefix(prefix: string): TableNames {
  return { locks: `${prefix}${locksTable.id}`, registry: `${prefix}${registryTable.id}` };
}
