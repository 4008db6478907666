import { recordSk, refFromPk } from "../registry/keys.js";
import { liveLeaseStatuses, type LeaseStatus } from "../registry/leaseStatus.js";

/** One change to a registry item, with its images already unmarshalled. */
export interface RegistryChange {
  readonly oldImage?: Record<string, unknown>;
  readonly newImage?: Record<string, unknown>;
}

const isLive = (status: unknown) => liveLeaseStatuses.includes(status as LeaseStatus);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

/**
 * The resources worth looking at after these changes (swarmkit's events): a lease that
 * stopped being live (its resource), a resource newly marked for deletion (itself), a
 * resource destroyed (what it referenced). Any other change, commands included, names
 * nothing, so updates to unmarked records cost no work and no write.
 */
export function affectedResources(changes: readonly RegistryChange[]): string[] {
  const ids = new Set<string>();
  for (const { oldImage, newImage } of changes) {
    const image = newImage ?? oldImage;
    if (!image || image.sk !== recordSk || typeof image.pk !== "string") continue;
    const ref = refFromPk(image.pk);
    if (ref?.kind === "lease") {
      const resourceId = image.resourceId;
      if (typeof resourceId === "string" && (oldImage === undefined || isLive(oldImage.status)) && !isLive(newImage?.status)) ids.add(resourceId);
    } else if (ref?.kind === "resource") {
      if (newImage?.deleteRequested === true && oldImage?.deleteRequested !== true) ids.add(ref.id);
      if (newImage?.status === "destroyed" && oldImage?.status !== "destroyed") for (const id of strings(newImage.references)) ids.add(id);
    }
  }
  return [...ids];
}
