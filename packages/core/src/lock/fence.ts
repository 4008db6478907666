import type { Lease } from "./LockService.js";

/**
 * The lock and token a write is made under. The storage side of the check (an item takes
 * writes only from its lock, at a token no older than the newest it has seen) is the
 * DynamoDB adapter's: aws/dynamo/fencedWrite.ts.
 */
export interface Fence {
  readonly lock: string;
  readonly token: number;
}

export const fenceOf = (lease: Lease): Fence => ({ lock: lease.name, token: lease.token });
