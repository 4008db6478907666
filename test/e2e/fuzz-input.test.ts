import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import type { Context } from "aws-lambda";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HerokuPlatform } from "@scythe/core/aws/heroku";
import { OpsWorksStacks } from "@scythe/core/aws/opsworks";
import { Deallocator } from "@scythe/core/deallocator";
import { BadInputError } from "@scythe/core/errors";
import { composeLeases, type Leases } from "@scythe/core/aws/dynamo";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import { DynamoOwnerRecords } from "@scythe/core/aws/dynamo";
import { sweepInventories } from "@scythe/core/orphans";
import { makeHandler as makeReconcile } from "../../packages/functions/src/deallocator/reconcile.js";
import { makeHandler as makeValidate } from "../../packages/functions/src/deploy/validate.js";
import { makeHandler as makeSweep } from "../../packages/functions/src/leases/expirySweep.js";
import { makeHandler as makeLeases } from "../../packages/functions/src/leases/leases.js";
import { makeHandler as makeOrphans } from "../../packages/functions/src/orphans/handler.js";
import { makeHandler as makeReaper } from "../../packages/functions/src/reaper/makeHandler.js";
import { shippedBlueprints } from "@scythe/core/leases";
import { localClientConfig } from "../../packages/local/src/world/clients.js";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { runScythe } from "../support/cli.js";
import { freshTables } from "../support/dynamo.js";
import { scytheInProcess, tablesSnapshot, worldFile } from "../support/inProcess.js";

/**
 * Malformed input, generated, to every Lambda payload and every CLI option: each is refused
 * as bad input naming the field (exit 2 in the CLI), and nothing is written: the DynamoDB
 * tables are byte-identical afterwards and the simulator saw no call.
 */
let sim: FleetSimulator;
let leases: Leases;
let env: NodeJS.ProcessEnv;
let snapshot: () => Promise<string>;
let seededLeaseId: string;
let seededResourceId: string;

const context = { functionName: "fuzz", awsRequestId: "r", getRemainingTimeInMillis: () => 300_000 } as unknown as Context;

beforeAll(async () => {
  const { endpoint, names, client, doc } = await freshTables();
  sim = await startFleetSimulator({ timeScale: 0 });
  const config = localClientConfig(sim.endpoint);
  const opsworks = new OpsWorksClient(config);
  leases = composeLeases({ doc, tables: names, blueprints: shippedBlueprints({ opsworks, heroku: { token: "sim-token", baseUrl: `${sim.endpoint}/heroku` } }), workerId: "fuzz" });
  // Something to act on, so a payload wrongly accepted would have something to change.
  const resource = await leases.service.createResource({ id: "host-1", kind: "host", blueprint: "heroku-app", attributes: { app: "scythe-fuzz" }, expiresInMs: 1 });
  const lease = await leases.service.acquire({ resourceId: resource.id, holder: "ci", expiresInMs: 1 });
  seededResourceId = resource.id;
  seededLeaseId = lease.id;
  await new Promise((resolve) => setTimeout(resolve, 5)); // both are past their expiry: a real sweep would act
  env = { SCYTHE_WORLD: await worldFile({ dynamodb: endpoint, simulator: sim.endpoint, tables: names }) };
  snapshot = () => tablesSnapshot(client, names);
  handlers.reaper = makeReaper({
    locks: new LockService({ store: new DynamoLockStore(doc, { tableName: names.locks }) }),
    platform: (token) => new HerokuPlatform({ baseUrl: `${sim.endpoint}/heroku`, token }),
    loadToken: async () => "sim-token",
  }) as unknown as Handler;
  handlers.leases = makeLeases(() => leases) as unknown as Handler;
  handlers.sweep = makeSweep(() => leases) as unknown as Handler;
  const deallocator = new Deallocator({ registry: leases.registry, queue: leases.queue, worker: leases.worker, author: "fuzz" });
  handlers.reconcile = makeReconcile(() => deallocator) as unknown as Handler;
  const inventories = sweepInventories({ opsworks, elb: new ElasticLoadBalancingClient(config) });
  handlers.orphans = makeOrphans(() => ({ records: new DynamoOwnerRecords(doc, names.registry), inventories })) as unknown as Handler;
  handlers.validate = makeValidate(() => ({ target: new OpsWorksStacks(opsworks) })) as unknown as Handler;
  await sim.control.reset();
});
afterAll(async () => {
  await sim.close();
});

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const handlers: Record<string, Handler> = {};

// ---- values that are wrong for a field of each kind ----
const notBoolean = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.boolean(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const notNumber = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const outside = (min: number, max: number) =>
  fc.oneof(notNumber, fc.integer({ max: Math.ceil(min) - 1 }), fc.constantFrom(Math.floor(max) + 1, Math.floor(max) * 10 + 7), fc.constant(1e308), fc.double({ min: min + 0.01, max: Math.min(max, 1e6) - 0.01, noInteger: true, noNaN: true }));
const badId = fc.oneof(
  fc.constant(""),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 5 }).map((s) => `é${s}`),
  fc.constant("x".repeat(300)),
  fc.constantFrom("a b", "a#b", "a/b", "\u0000"),
  notNumber.filter((v) => typeof v !== "string"),
);
const badActor = fc.oneof(fc.constant(""), fc.constant("   "), fc.constant("x".repeat(201)), fc.constantFrom("ünïcode", "tab\there"), fc.integer(), fc.constant(null));
const unknownKey = (known: readonly string[]) =>
  fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !known.includes(k) && k !== "__proto__" && k !== "action");

interface PayloadSpec {
  readonly handler: string;
  readonly base: () => Record<string, unknown>;
  /** Per field, values that are wrong for it. */
  readonly fields: Record<string, fc.Arbitrary<unknown>>;
  /** Unknown keys are refused (every payload but the deploy task's wrapper). */
  readonly strict: boolean;
  /** Where the base sits in the event (the deploy input is wrapped by the first state). */
  readonly wrap?: (input: Record<string, unknown>) => unknown;
  readonly prefix?: string;
}

const payloads: PayloadSpec[] = [
  {
    handler: "reaper",
    base: () => ({ dryRun: true }),
    fields: { olderThanMinutes: outside(0.0001, 10080).filter((v) => typeof v !== "number" || v <= 0 || v > 10080), limit: outside(1, 100_000), all: notBoolean, dryRun: notBoolean },
    strict: true,
  },
  {
    handler: "leases",
    base: () => ({ action: "acquire", resourceId: seededResourceId, holder: "fuzz", expiresInMs: 60_000 }),
    fields: { resourceId: badId, holder: badActor, expiresInMs: outside(1, 365 * 86_400_000) },
    strict: false,
  },
  {
    handler: "leases",
    base: () => ({ action: "extend", leaseId: seededLeaseId, author: "fuzz", expiresInMs: 60_000 }),
    fields: { leaseId: badId, author: badActor, expiresInMs: outside(1, 365 * 86_400_000), action: fc.string().filter((a) => !["acquire", "release", "extend"].includes(a)) },
    strict: false,
  },
  { handler: "sweep", base: () => ({ dryRun: true }), fields: { dryRun: notBoolean }, strict: true },
  { handler: "reconcile", base: () => ({ dryRun: true }), fields: { dryRun: notBoolean }, strict: true },
  { handler: "orphans", base: () => ({ dryRun: true }), fields: { dryRun: notBoolean }, strict: true },
  {
    handler: "validate",
    base: () => ({ stackId: "stack-1", layerId: "layer-1", appId: "app-1" }),
    fields: {
      stackId: badId,
      layerId: badId,
      appId: badId,
      batchSize: outside(1, 100),
      deployTimeoutSeconds: outside(1, 86_400),
      lockWaitSeconds: outside(0, 86_400),
      lockScope: fc.string().filter((s) => s !== "stack" && s !== "global"),
      migrate: notBoolean,
      comment: fc.oneof(fc.constant("c".repeat(201)), fc.integer()),
    },
    strict: true,
    wrap: (input) => ({ input, executionId: "exec-1", startedAt: new Date().toISOString() }),
    prefix: "",
  },
];

/** A malformed payload and the field its error must name. */
function malformed(spec: PayloadSpec): fc.Arbitrary<{ event: unknown; field: string | RegExp }> {
  const known = Object.keys(spec.base());
  const wrongValue = fc.constantFrom(...Object.keys(spec.fields)).chain((field) =>
    (spec.fields[field] as fc.Arbitrary<unknown>).map((value) => ({ payload: { ...spec.base(), [field]: value }, field: field as string | RegExp })),
  );
  const extraKey = fc.tuple(unknownKey([...known, ...Object.keys(spec.fields)]), fc.anything()).map(([key, value]) => {
    const payload: Record<string, unknown> = spec.base();
    Object.defineProperty(payload, key, { value, enumerable: true, configurable: true, writable: true });
    return { payload, field: key as string | RegExp };
  });
  const notAnObject = fc.oneof(fc.string({ minLength: 1 }), fc.integer(), fc.array(fc.anything(), { maxLength: 3 })).map((payload) => ({ payload, field: /^(event|input|action)$/ as string | RegExp }));
  const kinds = spec.strict ? [wrongValue, extraKey, notAnObject] : [wrongValue, notAnObject];
  return fc.oneof(...kinds).map(({ payload, field }) => ({
    event: spec.wrap && (typeof payload === "object" && payload !== null && !Array.isArray(payload)) ? spec.wrap(payload as Record<string, unknown>) : payload,
    field: spec.wrap && field === "input" ? /^input/ : field,
  }));
}

describe("Fuzz: every Lambda payload", () => {
  it.each(payloads.map((p, i) => [`${p.handler}#${i}`, p] as const))("%s refuses malformed payloads naming the field, writing nothing", async (_, spec) => {
    const before = await snapshot();
    const handler = handlers[spec.handler] as Handler;
    await fc.assert(
      fc.asyncProperty(malformed(spec), async ({ event, field }) => {
        const error = await handler(event, context).then(
          (ok: unknown) => ({ accepted: ok }),
          (e: unknown) => e,
        );
        expect(error, `accepted ${JSON.stringify(event)}`).toBeInstanceOf(BadInputError);
        const named = (error as BadInputError).field;
        expect((error as BadInputError).message, JSON.stringify(event)).not.toMatch(zodJargon);
        if (typeof field === "string") expect(named === field || named.startsWith(`${field}.`) || named === `input.${field}`, `${named} for ${field}`).toBe(true);
        else expect(named).toMatch(field);
      }),
      { numRuns: 150 },
    );
    expect(await snapshot()).toBe(before);
    expect(await sim.control.events()).toEqual([]);
  });
});

// ---- the CLI ----
const unitless = fc.oneof(fc.integer({ min: 0, max: 10_000 }).map(String), fc.constantFrom("0.5", "7", "1e3"));
const badDuration = fc.oneof(
  unitless,
  fc.integer({ min: 1, max: 100 }).map((n) => `-${n}m`),
  fc.constantFrom("", " ", "99999999y", "1e309", "７m", "5分", "forever", "m", "1.2.3s", "NaN", "Infinity"),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }).filter((s) => !/^\s*\d+(\.\d+)?\s*[a-z]+\s*$/i.test(s)),
);
const badCount = fc.oneof(
  fc.constantFrom("", "-1", "1.5", "abc", "99999999999999999999", "٣", "1e3", " 4", "0x10"),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 5 }).filter((s) => !/^\d+$/.test(s)),
);
const badCliId = fc.oneof(fc.constantFrom("", "a b", "a#b", "ünïcode", "x".repeat(300)), fc.string({ unit: "grapheme", minLength: 1, maxLength: 4 }).map((s) => `é${s}`));
const badOwner = fc.constantFrom("", "   ", "ünïcode", "x".repeat(201));
const badNamespace = fc.oneof(
  fc.constantFrom("", "..", "[a-z]", "^[a-z][a-z0-9-]*$", ".*", "^", "^app", "(", "^hatchet-t-.*", "app|^hatchet-t-[0-9]+$"),
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.startsWith("^")),
);

/** The validator's own wording (numbers in its units, type names): a user should never see it. */
// (Anchored on the validator's phrases, so a generated key such as ">=" quoted back in an error is not taken for it.)
const zodJargon = /Too (big|small):|expected (number|int|string|boolean)|Invalid input|to (be|have) [<>]=/;

interface CliSpec {
  readonly args: string[];
  readonly option: string;
  readonly values: fc.Arbitrary<string>;
  /** The error's field: the option the user typed (not the input field it feeds). */
  readonly field: RegExp;
}

const cliSpecs: CliSpec[] = [
  { args: ["reap", "--dry-run"], option: "--older-than", values: badDuration, field: /^--older-than$/ },
  { args: ["reap", "--dry-run"], option: "--max-wait", values: badDuration, field: /^--max-wait$/ },
  { args: ["reap", "--dry-run"], option: "--lock-wait", values: badDuration, field: /^--lock-wait$/ },
  { args: ["reap", "--dry-run"], option: "--limit", values: fc.oneof(badCount, fc.constant("0"), fc.constant("100001")), field: /^--limit$/ },
  { args: ["reap", "--dry-run"], option: "--concurrency", values: fc.oneof(badCount, fc.constant("0"), fc.constant("65")), field: /^--concurrency$/ },
  { args: ["reap", "--dry-run"], option: "--reserve", values: badCount, field: /^--reserve$/ },
  { args: ["reap", "--dry-run"], option: "--namespace", values: badNamespace, field: /^--namespace$/ },
  { args: ["reap", "--dry-run"], option: "--on-conflict", values: fc.string().filter((s) => !["refresh-and-continue", "stop-when-under-limit"].includes(s)), field: /^--on-conflict$/ },
  { args: ["lock", "acquire", "fuzz/lock"], option: "--lease", values: badDuration, field: /^--lease$/ },
  { args: ["lock", "acquire", "fuzz/lock"], option: "--wait", values: badDuration, field: /^--wait$/ },
  { args: ["lock", "acquire", "fuzz/lock"], option: "--permits", values: fc.oneof(badCount, fc.constant("0"), fc.constant("1001")), field: /^--permits$/ },
  { args: ["lock", "acquire", "fuzz/lock"], option: "--owner", values: badOwner, field: /^--owner$/ },
  { args: ["lock", "acquire", "fuzz/lock"], option: "--turn", values: fc.oneof(badDuration, fc.constantFrom("2h", "61m")), field: /^--turn$/ },
  { args: ["lock", "release", "fuzz/lock", "--token", "1"], option: "--owner", values: badOwner, field: /^--owner$/ },
  { args: ["lock", "release", "fuzz/lock", "--owner", "me"], option: "--token", values: badCount, field: /^--token$/ },
  { args: ["leases", "acquire", "host-1"], option: "--holder", values: badOwner, field: /^--holder$/ },
  { args: ["leases", "acquire", "host-1", "--holder", "me"], option: "--expires-in", values: badDuration, field: /^--expires-in$/ },
  { args: ["leases", "extend", "lease-1"], option: "--expires-in", values: badDuration, field: /^--expires-in$/ },
  { args: ["leases", "release", "lease-1"], option: "--author", values: badOwner, field: /^--author$/ },
  { args: ["resources", "create", "--kind", "host", "--blueprint", "heroku-app"], option: "--expires-in", values: badDuration, field: /^--expires-in$/ },
  { args: ["resources", "create", "--kind", "host", "--blueprint", "heroku-app"], option: "--expire-after-idle", values: badDuration, field: /^--expire-after-idle$/ },
  { args: ["resources", "create", "--kind", "host", "--blueprint", "heroku-app"], option: "--id", values: badCliId, field: /^--id$/ },
  { args: ["resources", "create", "--blueprint", "heroku-app"], option: "--kind", values: fc.constantFrom("", "Host", "ünï", "1abc", "k".repeat(65)), field: /^--kind$/ },
  { args: ["resources", "create", "--kind", "host"], option: "--blueprint", values: fc.constantFrom("", "nope", "ünï", "b".repeat(65)), field: /^--blueprint$/ },
  { args: ["resources", "create", "--kind", "host", "--blueprint", "heroku-app"], option: "--attr", values: fc.constantFrom("noequals", "=value", ""), field: /^--attr$/ },
  { args: ["resources", "create", "--kind", "host", "--blueprint", "heroku-app"], option: "--ref", values: badCliId, field: /^--ref$/ },
  { args: ["deploy", "--layer", "l", "--app", "a"], option: "--stack", values: badCliId, field: /^--stack$/ },
  { args: ["deploy", "--stack", "s", "--app", "a"], option: "--layer", values: badCliId, field: /^--layer$/ },
  { args: ["deploy", "--stack", "s", "--layer", "l", "--app", "a"], option: "--batch", values: fc.oneof(badCount, fc.constant("0"), fc.constant("101")), field: /^--batch$/ },
  { args: ["deploy", "--stack", "s", "--layer", "l", "--app", "a"], option: "--deploy-timeout", values: badDuration, field: /^--deploy-timeout$/ },
  { args: ["deploy", "--stack", "s", "--layer", "l", "--app", "a"], option: "--lock-wait", values: badDuration, field: /^--lock-wait$/ },
  { args: ["deploy", "--stack", "s", "--layer", "l", "--app", "a"], option: "--lock-scope", values: fc.string().filter((s) => s !== "stack" && s !== "global"), field: /^--lock-scope$/ },
  { args: ["deploy", "--stack", "s", "--layer", "l", "--app", "a"], option: "--comment", values: fc.constant("c".repeat(201)), field: /^--comment$/ },
  { args: ["deploy", "--stack", "s", "--layer", "l", "--app", "a"], option: "--poll", values: badDuration, field: /^--poll$/ },
];

const positional: { args: (value: string) => string[]; values: fc.Arbitrary<string>; field: RegExp }[] = [
  { args: (v) => ["lock", "status", v], values: badCliId, field: /^name$/ },
  { args: (v) => ["lock", "acquire", v], values: badCliId, field: /^name$/ },
  { args: (v) => ["leases", "release", v], values: badCliId, field: /^leaseId$/ },
  { args: (v) => ["leases", "acquire", v, "--holder", "me"], values: badCliId, field: /^resourceId$/ },
  { args: (v) => ["resources", "mark-delete", v, "--dry-run"], values: badCliId, field: /^resourceId$/ },
];

describe("Fuzz: every CLI option (in-process)", () => {
  it("refuses malformed option values, unknown options and bad arguments with exit 2 and a JSON error naming the field, writing nothing", async () => {
    const before = await snapshot();
    const optionCase = fc.constantFrom(...cliSpecs).chain((spec) => spec.values.map((value) => ({ args: [...spec.args, spec.option, value], field: spec.field })));
    const positionalCase = fc.constantFrom(...positional).chain((spec) => spec.values.map((value) => ({ args: spec.args(value), field: spec.field })));
    const unknownOption = fc
      .tuple(fc.constantFrom(...cliSpecs, ...positional.map((p) => ({ args: p.args("x") }))), fc.stringMatching(/^--[a-z][a-z-]{2,12}$/))
      .filter(([spec, flag]) => !["--json", "--help", "--dry-run", "--all", "--follow", "--no-migrate"].includes(flag) && !(spec.args[0] === "reap" && /^--(older-than|limit|namespace|concurrency|on-conflict|max-wait|lock-wait|reserve)$/.test(flag)))
      .map(([spec, flag]) => ({ args: [...spec.args, flag], field: /.+/ }));
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ arbitrary: optionCase, weight: 4 }, positionalCase, unknownOption), async ({ args, field }) => {
        runs++;
        const result = await scytheInProcess([...args, "--json"], env);
        expect(result.code, `scythe ${JSON.stringify(args)} exited ${result.code}: ${result.stderr}`).toBe(2);
        const error = (JSON.parse(result.stdout) as { error: { field?: string; message: string } }).error;
        expect(error.field, `scythe ${JSON.stringify(args)}: ${result.stdout}`).toMatch(field);
        expect(error.message, `scythe ${JSON.stringify(args)}: ${result.stdout}`).not.toMatch(zodJargon);
      }),
      { numRuns: 400 },
    );
    expect(runs).toBe(400);
    expect(await snapshot()).toBe(before);
    expect(await sim.control.events()).toEqual([]);
  });

  it("a value past an option's bound is refused in the user's terms: the option typed, the bound in its units, no validator jargon, nothing written", async () => {
    const before = await snapshot();
    const deploy = ["deploy", "--stack", "s", "--layer", "l", "--app", "a"];
    const cases: { args: string[]; field: string; says: RegExp }[] = [
      { args: ["reap", "--dry-run", "--max-wait", "300d"], field: "--max-wait", says: /at most .*1d/ },
      { args: ["reap", "--dry-run", "--lock-wait", "300d"], field: "--lock-wait", says: /at most .*1d/ },
      { args: ["reap", "--dry-run", "--limit", "100001"], field: "--limit", says: /at most 100000/ },
      { args: ["reap", "--dry-run", "--reserve", "4500"], field: "--reserve", says: /4500/ },
      { args: ["reap", "--dry-run", "--reserve", "999999"], field: "--reserve", says: /4500/ },
      { args: ["lock", "acquire", "fuzz/lock", "--wait", "300d"], field: "--wait", says: /at most .*1d/ },
      { args: ["lock", "acquire", "fuzz/lock", "--lease", "300d"], field: "--lease", says: /at most .*1d/ },
      { args: ["lock", "acquire", "fuzz/lock", "--turn", "300d"], field: "--turn", says: /1h/ },
      { args: ["lock", "acquire", "fuzz/lock", "--permits", "1001"], field: "--permits", says: /at most 1000/ },
      { args: [...deploy, "--deploy-timeout", "300d"], field: "--deploy-timeout", says: /at most .*1d/ },
      { args: [...deploy, "--lock-wait", "300d"], field: "--lock-wait", says: /at most .*1d/ },
      { args: [...deploy, "--poll", "300d"], field: "--poll", says: /at most .*1m/ },
      { args: ["leases", "acquire", "host-1", "--holder", "me", "--expires-in", "364d", "--expires-in", "1d"], field: "--expires-in", says: /more than once/ },
    ];
    for (const { args, field, says } of cases) {
      const result = await scytheInProcess([...args, "--json"], env);
      expect(result.code, `scythe ${args.join(" ")}: ${result.stdout}${result.stderr}`).toBe(2);
      const error = (JSON.parse(result.stdout) as { error: { field?: string; message: string } }).error;
      expect(error.field, `scythe ${args.join(" ")}`).toBe(field);
      expect(error.message, `scythe ${args.join(" ")}`).toMatch(says);
      expect(error.message, `scythe ${args.join(" ")}`).not.toMatch(zodJargon);
    }
    expect(await snapshot()).toBe(before);
    expect(await sim.control.events()).toEqual([]);
  });

  it("a few real processes: usage errors, a unit-less duration and an unknown id exit 2 with JSON on stdout", async () => {
    const before = await snapshot();
    for (const [args, field] of [
      [["leases", "acquire", "host-1"], "--holder"],
      [["reap", "--older-than", "7"], "--older-than"],
      [["reap", "--namespace", ".."], "--namespace"],
      [["resources", "mark-delete", "no-such-host"], "resourceId"],
    ] as const) {
      const result = await runScythe([...args, "--json"], { env });
      expect(result.code, result.stderr).toBe(2);
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { field } });
    }
    expect(await snapshot()).toBe(before);
  });
});
