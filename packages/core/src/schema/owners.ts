/**
 * The owner index in the registry: one marker item per owner prefix (the first 8 hex
 * characters of a record's id, which Scythe's cloud names carry), written before the
 * record itself, so the orphan sweep looks owners up by key instead of reading every record.
 * Markers are never removed: a record is live for the sweep whatever its status.
 */
export function ownerPrefixOfId(recordId: string): string | undefined {
  const hex = recordId.toLowerCase().replace(/-/g, "").slice(0, 8);
  return /^[0-9a-f]{8}$/.test(hex) ? hex : undefined;
}

export const ownerMarkerKey = (prefix: string) => ({ pk: `owner#${prefix}`, sk: "owner" });

/** Written once every record has its marker (new tables: at first use; older ones: by the sweep's backfill). */
export const ownerIndexCompleteKey = { pk: "meta#owner-index", sk: "complete" } as const;
