import { createHash } from "node:crypto";
import * as z from "zod";
import { parseInput } from "../validation.js";
import { deployHeartbeatSeconds } from "./stateMachine.js";

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

/** The OpsWorks ids: a stack, a layer of it and an app of it. */
const opsworksIds = {
  stackId: cloudId("stack"),
  layerId: cloudId("layer"),
  appId: cloudId("app"),
};

/** Everything but the target: how the rollout runs. */
const rolloutFields = {
    /** Instances deployed at once. */
    batchSize: z.number().int("must be a whole number").min(1, "must be at least 1").max(100, "must be at most 100").default(1),
    deployTimeoutSeconds: seconds(1, 24 * 3600, 30 * 60),
    /** How long to wait for another deploy holding the lock before failing with DeployLockError. */
    lockWaitSeconds: seconds(0, 24 * 3600, 15 * 60),
    /** "stack": one deploy at a time per stack (per Auto Scaling group or tag set on EC2); "global": one at a time overall. */
    lockScope: z.enum(["stack", "global"], { error: 'must be "stack" or "global"' }).default("stack"),
    migrate: z.boolean({ error: "must be true or false" }).default(true),
    comment: z.string().max(200, "must be at most 200 characters").optional(),
    /** Lease of the deploy lock; every task renews it, so it must outlast the longest poll. */
    leaseSeconds: seconds(10, 3600, 300),
    /**
     * How long a deployment is awaited without news (the wait's HeartbeatSeconds) before one
     * direct check: what a lost event costs in delay, and what a long deployment costs in checks.
     */
    heartbeatSeconds: seconds(10, 3600, deployHeartbeatSeconds),
    drainTimeoutSeconds: seconds(1, 4 * 3600, 3900),
    healthTimeoutSeconds: seconds(1, 4 * 3600, 900),
    pollSeconds,
};

const deployFields = { ...opsworksIds, ...rolloutFields };

// EC2 names: an Auto Scaling group name is 1-255 characters; a tag key 1-128, a value up to 256.
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const noControl = /^[^\u0000-\u001f\u007f]*$/;
const asgName = z.string({ error: "must be an Auto Scaling group name (a string)" }).min(1, "must not be empty").max(255, "must be at most 255 characters").regex(noControl, "must not contain control characters");
const tagKey = z.string().min(1, "must not be empty").max(128, "must be at most 128 characters").regex(noControl, "must not contain control characters");
const tagValue = z.string({ error: "must be a string" }).max(256, "must be at most 256 characters").regex(noControl, "must not contain control characters");
const documentName = z
  .string({ error: "must be an SSM document name (a string)" })
  .min(3, "must be at least 3 characters")
  .max(128, "must be at most 128 characters")
  .regex(/^[a-zA-Z0-9_\-.:/]+$/, "may contain only letters, digits and _ - . : /");
const shellCommand = z.string({ error: "must be a string" }).min(1, "must not be empty").max(4096, "must be at most 4096 characters");

/** SSM's shell document, the default: runs `commands` on each instance. */
export const defaultSsmDocument = "AWS-RunShellScript";

/** `{ "ec2": ... }`: instances by Auto Scaling group or tags; an SSM document run on each batch. */
const ec2Fields = z
  .strictObject({
    asg: asgName.optional(),
    tags: z.record(tagKey, tagValue, { error: "must be an object of tag keys to values" }).optional(),
    document: documentName.default(defaultSsmDocument),
    commands: z.array(shellCommand, { error: "must be a list of shell commands" }).max(100, "must be at most 100 commands").optional(),
    parameters: z.record(z.string().min(1).max(128), z.array(z.string().max(4096)).max(50), { error: "must be an object of parameter names to lists of strings" }).optional(),
    workingDirectory: z.string().min(1).max(1024).optional(),
    executionTimeoutSeconds: z.number().int("must be a whole number of seconds").min(1, "must be at least 1").max(172_800, "must be at most 172800").optional(),
  }, { error: "must be an object" })
  .superRefine((e, ctx) => {
    if ((e.asg === undefined) === (e.tags === undefined)) {
      ctx.addIssue({ code: "custom", path: [e.asg === undefined ? "asg" : "tags"], message: "give exactly one of asg (an Auto Scaling group name) or tags (tag keys to values)" });
    }
    if (e.tags !== undefined && Object.keys(e.tags).length === 0) ctx.addIssue({ code: "custom", path: ["tags"], message: "must name at least one tag" });
    if (e.tags !== undefined && Object.keys(e.tags).length > 10) ctx.addIssue({ code: "custom", path: ["tags"], message: "must name at most 10 tags" });
    if (e.document === defaultSsmDocument) {
      if (!e.commands || e.commands.length === 0) ctx.addIssue({ code: "custom", path: ["commands"], message: `is required with the ${defaultSsmDocument} document (the shell commands to run)` });
      if (e.parameters !== undefined) ctx.addIssue({ code: "custom", path: ["parameters"], message: `is for a named document; with ${defaultSsmDocument} give commands` });
    } else {
      for (const key of ["commands", "workingDirectory", "executionTimeoutSeconds"] as const) {
        if (e[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: `is for the ${defaultSsmDocument} document; give a named document its parameters` });
      }
    }
  });

/** An EC2 target as the config carries it: which instances, and what SSM runs on them. */
export const ec2TargetSchema = z.object({
  selection: z.union([z.object({ asg: z.string() }), z.object({ tags: z.record(z.string(), z.string()) })]),
  command: z.union([
    z.object({ commands: z.array(z.string()), workingDirectory: z.string().optional(), executionTimeoutSeconds: z.number().optional() }),
    z.object({ document: z.string(), parameters: z.record(z.string(), z.array(z.string())).optional() }),
  ]),
});
export type Ec2Target = z.output<typeof ec2TargetSchema>;

/** The ids an EC2 rollout carries where OpsWorks' go (the journal, the history): the target kind. */
const ec2Ids = { stackId: "ec2", layerId: "ec2", appId: "ec2" } as const;

const flatInput = z.strictObject(deployFields);
const opsworksInput = z.strictObject({ opsworks: z.strictObject(opsworksIds, { error: "must be an object with stackId, layerId and appId" }), ...rolloutFields });
const ec2Input = z.strictObject({ ec2: ec2Fields, ...rolloutFields });

type Rollout = z.output<z.ZodObject<typeof rolloutFields>>;
type Normalised = Rollout & { stackId: string; layerId: string; appId: string; ec2?: Ec2Target };

function ec2Target(e: z.output<typeof ec2Fields>): Ec2Target {
  const selection = e.asg !== undefined ? { asg: e.asg } : { tags: e.tags ?? {} };
  const command =
    e.document === defaultSsmDocument
      ? {
          commands: e.commands ?? [],
          ...(e.workingDirectory !== undefined && { workingDirectory: e.workingDirectory }),
          ...(e.executionTimeoutSeconds !== undefined && { executionTimeoutSeconds: e.executionTimeoutSeconds }),
        }
      : { document: e.document, ...(e.parameters !== undefined && { parameters: e.parameters }) };
  return { selection, command };
}

/** Which of the three shapes a payload means: `{ec2}`, `{opsworks}`, or the flat OpsWorks ids. */
function shapeOf(raw: unknown): typeof flatInput | typeof opsworksInput | typeof ec2Input {
  if (typeof raw === "object" && raw !== null && "ec2" in raw) return ec2Input;
  if (typeof raw === "object" && raw !== null && "opsworks" in raw) return opsworksInput;
  return flatInput;
}

/**
 * No task renews the lease while the execution waits: not during a poll interval, and not
 * while a deployment is awaited by its event, which may last the task's whole heartbeat
 * (`heartbeatSeconds`) before the direct check renews it. The lease must outlast the
 * longest of these waits twice over, plus 10 s, as it always had to for the polls.
 */
function checkLease(input: Rollout, ctx: z.RefinementCtx): void {
  const longestPoll = Math.max(...Object.values(input.pollSeconds));
  const longest = Math.max(longestPoll, input.heartbeatSeconds);
  if (input.leaseSeconds < 2 * longest + 10) {
    const why = longestPoll >= input.heartbeatSeconds ? "the longest poll interval" : `heartbeatSeconds (${input.heartbeatSeconds} s, how long a deployment is awaited without news)`;
    ctx.addIssue({
      code: "custom",
      path: ["leaseSeconds"],
      message: `must be at least ${2 * longest + 10} (twice ${why}, plus 10) so waiting keeps the lock alive`,
    });
  }
}

/**
 * What a person (console, CLI, schedule) gives a rolling deploy, in one of three shapes:
 * `{ "opsworks": { stackId, layerId, appId }, ... }`, `{ "ec2": { asg | tags, document,
 * commands | parameters }, ... }`, or the OpsWorks ids flat (`{ stackId, layerId, appId, ... }`,
 * as before). Unknown fields are refused; an error names the field (`ec2.asg`, `opsworks.layerId`).
 * The output is one shape: the OpsWorks ids flat, and `ec2` for an EC2 target.
 */
export const deployInput = z.unknown().transform((raw, ctx): Normalised => {
  const parsed = shapeOf(raw).safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // An unknown key is named by its own path, so the error says which field to remove.
      const path = issue.code === "unrecognized_keys" && issue.keys[0] !== undefined ? [...issue.path, issue.keys[0]] : issue.path;
      // Other issues keep their kind, so a bound is told in the field's units (validation.ts).
      ctx.addIssue(issue.code === "unrecognized_keys" ? { code: "custom", path, message: issue.message } : ({ ...issue, path } as z.core.$ZodRawIssue));
    }
    return z.NEVER;
  }
  const data = parsed.data;
  const normalised: Normalised = "ec2" in data ? { ...data, ec2: ec2Target(data.ec2), ...ec2Ids } : "opsworks" in data ? { ...data, ...data.opsworks } : data;
  if ("opsworks" in normalised) delete (normalised as { opsworks?: unknown }).opsworks;
  checkLease(normalised, ctx);
  return normalised;
});

export type DeployInput = z.input<typeof flatInput> | z.input<typeof opsworksInput> | z.input<typeof ec2Input>;
export type DeployRequest = Normalised;

/** The validated request plus what the execution knows about itself; carried in the state as `$.config`. */
export const deployConfigSchema = z.object({
  ...deployFields,
  ec2: ec2TargetSchema.optional(),
  executionId: z.string().min(1),
  lockName: z.string().min(1),
  /** Epoch ms at which the execution started; the lock wait counts from here. */
  startedAt: z.number(),
});
export type DeployConfig = z.output<typeof deployConfigSchema>;

/** What an EC2 target is called in a lock name: its Auto Scaling group, or its tags in key order. */
export function ec2TargetName(target: Ec2Target): string {
  if ("asg" in target.selection) return `asg/${lockNamePart(target.selection.asg)}`;
  const tags = target.selection.tags;
  return `tags/${lockNamePart(
    Object.keys(tags)
      .sort()
      .map((k) => `${k}=${tags[k] ?? ""}`)
      .join(","),
  )}`;
}

/**
 * A part of a lock name taken from a name the user chose (an Auto Scaling group, a tag set):
 * as written when a lock name can hold it, otherwise made safe and told apart by a digest of
 * the original (a group name may hold spaces and run to 255 characters; `Role=web` has `=`).
 */
function lockNamePart(text: string): string {
  if (/^[A-Za-z0-9._:@-]{1,80}$/.test(text)) return text;
  const digest = createHash("sha256").update(text).digest("hex").slice(0, 16);
  return `${text.replace(/[^A-Za-z0-9._:@-]+/g, "_").slice(0, 60)}-${digest}`;
}

export function deployLockName(request: Pick<DeployRequest, "lockScope" | "stackId"> & { readonly ec2?: Ec2Target }): string {
  if (request.lockScope === "global") return "deploy/global";
  return request.ec2 ? `deploy/ec2/${ec2TargetName(request.ec2)}` : `deploy/stack/${request.stackId}`;
}

/** Validates an execution's input, naming the offending field, and derives the config. */
export function deployConfig(raw: unknown, executionId: string, startedAt: number): DeployConfig {
  const request = parseInput(deployInput, raw);
  return { ...request, executionId, lockName: deployLockName(request), startedAt };
}
