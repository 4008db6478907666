import * as z from "zod";
import { actor } from "../lock/inputs.js";

export { actor };

const day = 24 * 60 * 60 * 1000;

/** Lease and resource ids: they become part of keys and lock names, so no `#` or `/`. */
export const objectId = z
  .string()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  .regex(/^[A-Za-z0-9._:-]+$/, "may contain only letters, digits and . _ : -");

export const durationMs = z
  .number()
  .int("must be a whole number of milliseconds")
  .positive("must be positive")
  .max(365 * day, "must be at most 365 days");

// Strict: a misspelt field (`expiresIn` for `expiresInMs`) is refused by name, not dropped;
// dropped, it would have left a lease or resource that never expires.
export const createResourceInput = z.strictObject({
  id: objectId.optional(),
  kind: z.string().min(1, "must not be empty").max(64).regex(/^[a-z][a-z0-9-]*$/, "must be lowercase letters, digits and -"),
  blueprint: z.string().min(1, "must not be empty").max(64),
  attributes: z.record(z.string().max(128), z.string().max(2048)).default({}),
  expiresInMs: durationMs.optional(),
  expireAfterIdleMs: z.number().int("must be a whole number of milliseconds").min(0, "must not be negative").max(365 * day).optional(),
  references: z.array(objectId).max(50).default([]),
});
export type CreateResourceInput = z.input<typeof createResourceInput>;

export const acquireLeaseInput = z.strictObject({
  resourceId: objectId,
  holder: actor,
  expiresInMs: durationMs.optional(),
});
export type AcquireLeaseInput = z.input<typeof acquireLeaseInput>;

export const releaseLeaseInput = z.strictObject({ leaseId: objectId, author: actor });
export type ReleaseLeaseInput = z.input<typeof releaseLeaseInput>;

export const extendLeaseInput = z.strictObject({ leaseId: objectId, author: actor, expiresInMs: durationMs });
export type ExtendLeaseInput = z.input<typeof extendLeaseInput>;

export const markDeleteInput = z.strictObject({ resourceId: objectId, dryRun: z.boolean().default(false) });
export type MarkDeleteInput = z.input<typeof markDeleteInput>;
