import { createHash } from "node:crypto";

/**
 * Anything due at a time sits in the sparse `byExpiry` index: a lease or resource with
 * an expiry, and a command no worker has consumed by the time the sweep should take
 * over. Items are spread over a fixed number of partitions ("shards") so no single
 * index partition takes every write; a sweep queries each shard for `expiresAt <= now`.
 * Changing the count strands items in old shards, so it is a constant, not a setting.
 */
export const expiryShardCount = 8;

export const expiryShards: readonly string[] = Array.from({ length: expiryShardCount }, (_, i) => `expiry#${i}`);

export function expiryShardOf(pk: string): string {
  const bucket = createHash("sha1").update(pk).digest().readUInt32BE(0) % expiryShardCount;
  return `expiry#${bucket}`;
}

/** Shards of the sparse `byDeletion` index (resources marked for deletion), spread the same way. */
export const deletionShards: readonly string[] = Array.from({ length: expiryShardCount }, (_, i) => `deletion#${i}`);

export const deletionShardOf = (pk: string): string => expiryShardOf(pk).replace("expiry#", "deletion#");
