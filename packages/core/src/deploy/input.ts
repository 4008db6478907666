import * as z from "zod";
import { parseInput } from "../validation.js";

const cloudId = (what: string) =>
  z
    .string({ error: `must be the ${what} id (a string)` })
    .min(1, "must not be empty")
    .max(128, "must be at most 128 characters")
    .regex(/^[A-Za-z0-9-]+$/, "may contain only letters, digits and -");

const seconds = (min: number, max: number, fallback: number) =>
  z.number().int("must be a whole number of seconds").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).default(fallback);

const pollSeconds = z
  .strictObject({
    lock: seconds(1, 300, 15),
    drain: seconds(1, 300, 10),
    deploy: seconds(1, 300, 30),
    health: seconds(1, 300, 10),
  })
  .default({ lock: 15, drain: 10, deploy: 30, health: 10 });

const deployFields = {
    stackId: cloudId("stack"),
    layerId: cloudId("layer"),
    appId: cloudId("app"),
    /** Instances deployed at once. */
    batchSize: z.number().int("must be a whole number").min(1, "must be at least 1").max(100, "must be at most 100").default(1),
    deployTimeoutSeconds: seconds(1, 24 * 3600, 30 * 60),
    /** How long to wait for another deploy holding the lock before failing with DeployLockError. */
    lockWaitSeconds: seconds(0, 24 * 3600, 15 * 60),
    /** "stack": one deploy at a time per stack; "global": one at a time overall. */
    lockScope: z.enum(["stack", "global"], { error: 'must be "stack" or "global"' }).default("stack"),
    migrate: z.boolean({ error: "must be true or false" }).default(true),
    comment: z.string().max(200, "must be at most 200 characters").optional(),
    /** Lease of the deploy lock; every task renews it, so it must outlast the longest poll. */
    leaseSeconds: seconds(10, 3600, 300),
    drainTimeoutSeconds: seconds(1, 4 * 3600, 3900),
    healthTimeoutSeconds: seconds(1, 4 * 3600, 900),
    pollSeconds,
};

/** What a person (console, CLI, schedule) gives a rolling deploy. Unknown fields are refused. */
export const deployInput = z
  .strictObject(deployFields)
  .superRefine((input, ctx) => {
    const longest = Math.max(...Object.values(input.pollSeconds));
    if (input.leaseSeconds < 2 * longest + 10) {
      ctx.addIssue({
        code: "custom",
        path: ["leaseSeconds"],
        message: `must be at least ${2 * longest + 10} (twice the longest poll interval plus 10) so polling keeps the lock alive`,
      });
    }
  });

export type DeployInput = z.input<typeof deployInput>;
export type DeployRequest = z.output<typeof deployInput>;

/** The validated request plus what the execution knows about itself; carried in the state as `$.config`. */
export const deployConfigSchema = z.object({
  ...deployFields,
  executionId: z.string().min(1),
  lockName: z.string().min(1),
  /** Epoch ms at which the execution started; the lock wait counts from here. */
  startedAt: z.number(),
});
export type DeployConfig = z.output<typeof deployConfigSchema>;

export function deployLockName(request: Pick<DeployRequest, "lockScope" | "stackId">): string {
  return request.lockScope === "global" ? "deploy/global" : `deploy/stack/${request.stackId}`;
}

/** Validates an execution's input, naming the offending field, and derives the config. */
export function deployConfig(raw: unknown, executionId: string, startedAt: number): DeployConfig {
  const request = parseInput(deployInput, raw);
  return { ...request, executionId, lockName: deployLockName(request), startedAt };
}
