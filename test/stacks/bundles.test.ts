import { execFile } from "node:child_process";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../packages/local/src/sim/index.js";
import { startBootstrapStub } from "../support/awsBootstrapStub.js";
import { freshTables } from "../support/dynamo.js";
import { NameScheme } from "@scythe/core/orphans";

const root = fileURLToPath(new URL("../..", import.meta.url));
const sstBin = join(root, "node_modules", ".bin", "sst");

async function sstBootstrapVersion(): Promise<string> {
  const source = await readFile(join(root, "node_modules", "sst", "bootstrap.js"), "utf8");
  return /LATEST_VERSION = "([\d.]+)"/.exec(source)?.[1] ?? "0";
}

/** The built bundles, each copied beside itself without its source-map comment (SST keeps maps elsewhere). */
async function bundles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".mjs") || entry.name.endsWith(".check.mjs")) continue;
    const file = join(entry.parentPath, entry.name);
    const copy = file.replace(/\.mjs$/, ".check.mjs");
    await writeFile(copy, (await readFile(file, "utf8")).replace(/^\/\/# sourceMappingURL=.*$/m, ""));
    found.push(copy);
  }
  return found;
}

let built: string[] = [];
let sim: FleetSimulator;

/**
 * Builds the stage as `sst deploy` would (offline, against a stubbed bootstrap), then
 * loads the bundles Lambda would run: proof that what deploys is what was tested.
 */
beforeAll(async () => {
  const stub = await startBootstrapStub(await sstBootstrapVersion());
  await rm(join(root, ".sst", "artifacts"), { recursive: true, force: true });
  try {
    await promisify(execFile)(sstBin, ["build", "--stage", "bundle-check"], {
      cwd: root,
      env: { ...process.env, AWS_ENDPOINT_URL: stub.endpoint, AWS_ACCESS_KEY_ID: "ci", AWS_SECRET_ACCESS_KEY: "ci", AWS_REGION: "us-east-1" },
      timeout: 240_000,
    });
  } finally {
    await stub.close();
  }
  built = await bundles(join(root, ".sst", "artifacts"));
  sim = await startFleetSimulator({ timeScale: 1 });
}, 300_000);

afterAll(async () => {
  await sim.close();
});

const context = { functionName: "bundle-check", awsRequestId: "r1", getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

describe("Built Lambda bundles", () => {
  it("bundles every function handler the stacks deploy, and each exports a handler", async () => {
    const templates = (await readdir(join(root, ".sst", "dist"))).filter((f) => f.startsWith("bundle-check-") && f.endsWith(".template.json"));
    // Each deployed handler with the environment its stack gives it (unresolved references as placeholders).
    const handlers = new Map<string, Record<string, string>>();
    for (const file of templates) {
      const template = JSON.parse(await readFile(join(root, ".sst", "dist", file), "utf8")) as {
        Resources: Record<string, { Type: string; Properties: { Handler?: string; Runtime?: string; Environment?: { Variables?: Record<string, unknown> } } }>;
      };
      for (const r of Object.values(template.Resources)) {
        if (r.Type === "AWS::Lambda::Function" && r.Properties.Handler?.startsWith("packages/")) {
          expect(r.Properties.Runtime).toBe("nodejs22.x");
          const variables = Object.entries(r.Properties.Environment?.Variables ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : `resolved-${k}`]);
          handlers.set(r.Properties.Handler.replace(/\.handler$/, ".mjs"), Object.fromEntries(variables));
        }
      }
    }
    expect(handlers.size).toBeGreaterThan(0);
    const bundled = built.map((b) => relative(join(root, ".sst", "artifacts"), b).split("/").slice(1).join("/").replace(/\.check\.mjs$/, ".mjs"));
    for (const handler of handlers.keys()) expect(bundled).toContain(handler);
    for (const file of built) {
      const handler = [...handlers.keys()].find((h) => file.endsWith(h.replace(/\.mjs$/, ".check.mjs")));
      const saved = { ...process.env };
      // As Lambda would: the function's environment is in place before its bundle loads.
      Object.assign(process.env, handler ? handlers.get(handler) : {});
      try {
        const mod = (await import(pathToFileURL(file).href)) as { handler?: unknown };
        expect(typeof mod.handler, file).toBe("function");
      } finally {
        process.env = saved;
      }
    }
    // Loading every bundle (a few MB each) is slow on a busy machine; this bounds a hang, it asserts no speed.
  }, 300_000);

  it("bundles into the validate task only what it calls: no DynamoDB client (it reads and writes no table)", async () => {
    const file = built.find((b) => b.endsWith("deploy/validate.check.mjs"));
    expect(file).toBeDefined();
    // esbuild names each module it bundles in a `// node_modules/<package>/...` line (SST does not minify).
    const modules = [...(await readFile(file ?? "", "utf8")).matchAll(/^\/\/ (\S*node_modules\/(?:@[^/]+\/)?[^/]+)\//gm)].map((m) => m[1]);
    expect(modules.some((m) => m?.endsWith("node_modules/@aws-sdk/client-opsworks")), "the OpsWorks client it does call").toBe(true);
    expect([...new Set(modules.filter((m) => /node_modules\/@aws-sdk\/(client|lib|util)-dynamodb$/.test(m ?? "")))]).toEqual([]);
  });

  it("carries one copy of the SDK's core per bundle, apart from the copy the OpsWorks client pins", async () => {
    // The OpsWorks client's last release (3.876) pins its own @aws-sdk/core; every other client
    // (the SSM one Powertools uses for the Heroku token included) must share the hoisted one.
    // With client-ssm 3.699 the leases workers carried four copies (about 1.4 MB of SDK twice over).
    for (const file of built) {
      const modules = new Set([...(await readFile(file, "utf8")).matchAll(/^\/\/ (\S*node_modules\/@aws-sdk\/core)\//gm)].map((m) => m[1]));
      const unpinned = [...modules].filter((m) => !m?.includes("node_modules/@aws-sdk/client-opsworks/"));
      expect(unpinned.length, `${relative(root, file)}: ${unpinned.join(", ")}`).toBeLessThanOrEqual(1);
    }
  });

  it("runs the bundled orphan sweep against the local world, with only the registry and the lock table it is given", async () => {
    const { endpoint, names } = await freshTables();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_ENDPOINT_URL_OPSWORKS: sim.endpoint,
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING: sim.endpoint,
      AWS_ENDPOINT_URL_EC2: sim.endpoint,
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: sim.endpoint,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_REGION: "us-east-1",
      SST_Table_tableName_Registry: names.registry,
      SST_Table_tableName_Locks: names.locks,
    });
    const p = NameScheme.forRegistry(names.registry).prefix;
    await sim.control.seed({
      stacks: [{ StackId: "s", Name: "s" }],
      instances: [{ InstanceId: "i-1", Hostname: `${p}deadbeef-web`, StackId: "s", Status: "online" }, { InstanceId: "i-2", Hostname: "web-1", StackId: "s", Status: "online" }],
      ec2Instances: [{ Tags: [{ Key: "Name", Value: `${p}deadbeef-box` }] }, { Tags: [{ Key: "Name", Value: "box-1" }] }],
      loadBalancersV2: [{ LoadBalancerName: `${p}deadbeef-alb` }, { LoadBalancerName: "prod-alb" }],
      targetGroups: [{ TargetGroupName: `${p}deadbeef-tg`, LoadBalancerNames: [`${p}deadbeef-alb`] }],
    });
    const file = built.find((b) => b.endsWith("orphans/handler.check.mjs"));
    expect(file).toBeDefined();
    // A fresh instance of the module: its cold start reads the environment set above.
    const { handler } = (await import(`${pathToFileURL(file ?? "").href}?run`)) as { handler: (e: unknown, c: Context) => Promise<{ removed: Record<string, string[]>; seen: Record<string, unknown> }> };
    const report = await handler({ dryRun: true }, context);
    expect(report.removed).toEqual({
      instance: [`${p}deadbeef-web`],
      ec2Instance: [`${p}deadbeef-box`],
      loadBalancerV2: [`${p}deadbeef-alb`],
      targetGroup: [`${p}deadbeef-tg`],
    });
    expect(report.seen.instance).toEqual({ total: 2, inScheme: 1, otherStages: 0 });
    await expect(handler({ dryrun: true }, context)).rejects.toMatchObject({ name: "ValidationError", field: "dryrun" });
  });
});
