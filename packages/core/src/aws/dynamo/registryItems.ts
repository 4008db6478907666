import * as z from "zod";
import { ScytheError } from "../../errors.js";
import { leaseStatuses } from "../../registry/leaseStatus.js";
import type { CommandRecord, LeaseRecord, ResourceRecord } from "../../registry/records.js";
import { resourceStatuses } from "../../registry/resourceStatus.js";

/** A registry item that does not have the shape Scythe writes: a bug or a hand edit, never user input. */
export class CorruptRecordError extends ScytheError {}

type Item = Record<string, unknown>;

const stringSet = z
  .union([z.set(z.string()), z.array(z.string())])
  .optional()
  .transform((value) => [...(value ?? [])].sort());

const resourceItem = z.object({
  id: z.string(),
  kind: z.string(),
  blueprint: z.string(),
  attributes: z.record(z.string(), z.string()).default({}),
  status: z.enum(resourceStatuses),
  version: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  expiresAt: z.number().optional(),
  expireAfterIdleMs: z.number().optional(),
  idleCountdown: z.boolean().optional(),
  leaseIds: stringSet,
  deleteRequested: z.boolean().optional(),
  references: z.array(z.string()).default([]),
  referencedBy: stringSet,
  releaseReason: z.string().optional(),
  destroy: z.object({ startedAt: z.number(), attempts: z.number(), lastError: z.string().optional() }).optional(),
  brokenReason: z.string().optional(),
});

const leaseItem = z.object({
  id: z.string(),
  resourceId: z.string(),
  blueprint: z.string().optional(),
  holder: z.string(),
  status: z.enum(leaseStatuses),
  version: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  expiresAt: z.number().optional(),
  releasedBy: z.string().optional(),
  releaseReason: z.string().optional(),
  brokenReason: z.string().optional(),
});

const commandCommon = {
  seq: z.number(),
  author: z.string(),
  createdAt: z.number(),
  consumedAt: z.number().optional(),
  consumedBy: z.string().optional(),
  outcome: z.string().optional(),
  retryAt: z.number().optional(),
  lastError: z.string().optional(),
};

const commandItem = z.discriminatedUnion("command", [
  z.object({
    command: z.literal("release"),
    reason: z.enum(["request", "expiry", "resource-released", "idle"]),
    dueAt: z.number().optional(),
    ...commandCommon,
  }),
  z.object({ command: z.literal("reclaim"), ...commandCommon }),
  z.object({ command: z.literal("deallocate"), ...commandCommon }),
  z.object({ command: z.literal("extend"), newExpiresAt: z.number(), ...commandCommon }),
  z.object({ command: z.literal("lease-ended"), leaseId: z.string(), ...commandCommon }),
  z.object({ command: z.literal("gap"), ...commandCommon }),
]);

function parse<S extends z.ZodType>(schema: S, item: Item, what: string): z.infer<S> {
  const result = schema.safeParse(item);
  if (result.success) return result.data;
  throw new CorruptRecordError(`${what} ${String(item.pk)}/${String(item.sk)} is malformed: ${result.error.issues[0]?.message ?? "invalid"}`);
}

export const toResource = (item: Item): ResourceRecord => parse(resourceItem, item, "resource");
export const toLease = (item: Item): LeaseRecord => parse(leaseItem, item, "lease");
export const toCommand = (item: Item): CommandRecord => parse(commandItem, item, "command");
