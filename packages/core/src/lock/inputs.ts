import * as z from "zod";

/** Who holds or asks: a person, a CI job, a service. Recorded, never parsed. */
export const actor = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(/^[\x21-\x7e][\x20-\x7e]*$/, "must be printable ASCII");


/** Lock names: printable, no `#` (reserved for semaphore permits), short enough for a key. */
export const lockName = z
  .string()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(/^[A-Za-z0-9._:/@-]+$/, "may contain only letters, digits and . _ : / @ -");

export const leaseMs = z
  .number()
  .int("must be a whole number of milliseconds")
  .positive("must be positive")
  .max(24 * 60 * 60 * 1000, "must be at most one day");

export const waitMs = z.number().int().min(0, "must not be negative").max(24 * 60 * 60 * 1000);

/** A turn (LockServiceOptions.turnMs): 0 for none, at most an hour (a waiter may wait one turn per contender ahead). */
export const turnMsInput = z.number().int("must be a whole number of milliseconds").min(0, "must not be negative").max(60 * 60 * 1000, "must be at most one hour");

export const permits = z.number().int("must be a whole number").min(1, "must be at least 1").max(1000);

/** How long a caller may wait for a lock, alone: checked before a job starts work that ends at the lock. */
export const lockWaitInput = z.object({ waitMs });
export const acquireInput = z.object({ name: lockName, leaseMs, waitMs: waitMs.default(0) });
export const semaphoreInput = acquireInput.extend({ permits });
