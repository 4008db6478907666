/**
 * Scythe's naming scheme for what it creates in the cloud: `scythe-<owner>-<rest>`, where
 * <owner> is the first 8 hex characters of the owning registry record's id. It fits
 * every target's name rules (hostnames, classic ELB names, Heroku app names).
 */
export const namePrefix = "scythe-";
const scheme = /^scythe-([0-9a-f]{8})(?:-|$)/;

import { ownerPrefixOfId } from "../schema/owners.js";

export { ownerPrefixOfId };

/** The name for a cloud resource owned by `recordId`. */
export function scytheName(recordId: string, suffix: string): string {
  const owner = ownerPrefixOfId(recordId);
  if (!owner) throw new Error(`record id ${recordId} does not start with 8 hex characters`);
  return `${namePrefix}${owner}-${suffix}`;
}

/** The owner prefix a name carries, or undefined for a name outside the scheme (never touched). */
export function ownerPrefixOfName(name: string): string | undefined {
  return scheme.exec(name)?.[1];
}
