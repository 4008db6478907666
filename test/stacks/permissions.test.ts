import type { Template } from "aws-cdk-lib/assertions";
import { afterEach, describe, expect, it } from "vitest";
import { Deploys } from "../../stacks/Deploys.js";
import { Janitor } from "../../stacks/Janitor.js";
import { synth } from "../support/stacks.js";
import { Storage } from "../../stacks/Storage.js";
import { registryTable } from "../../packages/core/src/schema/tables.js";
import { NameScheme } from "../../packages/core/src/orphans/naming.js";

interface Statement {
  readonly actions: string[];
  /** Each resource as text: CloudFormation joins flattened, pseudo parameters kept as `${AWS::...}`. */
  readonly resources: string[];
  readonly conditions?: unknown;
  readonly description: string;
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("Ref" in o) return `\${${String(o.Ref)}}`;
    if ("Fn::Join" in o) {
      const [sep, parts] = o["Fn::Join"] as [string, unknown[]];
      return parts.map(text).join(sep);
    }
  }
  return JSON.stringify(value);
}

/** Every IAM statement with the description of the function whose role it is on. */
function statements(template: Template): Statement[] {
  const functions = Object.values(template.findResources("AWS::Lambda::Function"));
  const roleOf = (f: (typeof functions)[number]) => (f.Properties.Role as { "Fn::GetAtt"?: [string, string] })["Fn::GetAtt"]?.[0];
  return Object.values(template.findResources("AWS::IAM::Policy")).flatMap((p) => {
    const roles = (p.Properties.Roles as { Ref?: string }[]).map((r) => r.Ref);
    const fn = functions.find((f) => roles.includes(roleOf(f)));
    return (p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[]).map((s) => ({
      actions: [s.Action].flat(),
      resources: [s.Resource].flat().map(text),
      ...(s.Condition !== undefined && { conditions: s.Condition }),
      description: String(fn?.Properties.Description ?? "state machine role"),
    }));
  });
}

/** Calls that change or delete something in the cloud (not Scythe's own tables, not reads). */
const cloudChange = /^(opsworks|elasticloadbalancing|ec2|ssm):(?!Describe|Get|List)/;

const env = { ...process.env };
afterEach(() => {
  process.env = { ...env };
});

describe("Permissions: destructive cloud calls are scoped as far as IAM allows", () => {
  it.each(["Janitor", "Deploys"] as const)("%s grants no cloud change on every resource", async (name) => {
    const template = name === "Janitor" ? await synth(Janitor) : await synth(Deploys);
    const changes = statements(template).filter((s) => s.actions.some((a) => cloudChange.test(a)));
    expect(changes.length).toBeGreaterThan(0);
    for (const s of changes) {
      expect(s.resources, `${s.description}: ${s.actions.join(", ")}`).not.toContain("*");
      // Not even another account's or region's: this account and region, always.
      // AWS's own shell document is the one ARN without an account (AWS owns it).
      for (const r of s.resources.filter((r) => !r.endsWith("::document/AWS-RunShellScript"))) {
        expect(r).toMatch(/^arn:\$\{AWS::Partition\}:(opsworks|elasticloadbalancing|ec2|ssm):\$\{AWS::Region\}:\$\{AWS::AccountId\}:/);
      }
    }
  });

  it("lets the orphan sweep change nothing but deletes of Scythe's names and its own lock", async () => {
    const sweep = statements(await synth(Janitor)).filter((s) => /owning record is gone/.test(s.description));
    const deletes = sweep.filter((s) => s.actions.includes("elasticloadbalancing:DeleteLoadBalancer"));
    const lb = "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:loadbalancer/";
    // Classic load balancers, and ELBv2 application and network load balancers (the stage's prefix: the next test).
    for (const r of deletes.flatMap((s) => s.resources)) expect(r).toMatch(new RegExp(`^${lb.replace(/[$.{}]/g, "\\$&")}((app|net)/)?scythe-[0-9a-f]{4}-\\*`));
    // Of its cloud calls, reads are the only ones left on "*" (IAM takes no resource for them).
    const cloud = (a: string) => /^(opsworks|elasticloadbalancing|ec2):/.test(a);
    for (const s of sweep.filter((s) => s.resources.includes("*"))) for (const a of s.actions.filter(cloud)) expect(a).toMatch(/:Describe/);
    // It writes only the lock table (its one-sweep-at-a-time lock), never the registry.
    const writes = sweep.filter((s) => s.actions.some((a) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(a)));
    expect(writes.length).toBeGreaterThan(0);
    for (const s of writes) for (const r of s.resources.filter((r) => r !== "${AWS::NoValue}")) expect(r).toMatch(/Locks/);
  });

  it("lets the orphan sweep delete only this stage's names (scythe-<stage tag>-*, the tag derived from the registry table's name as the Lambda derives it), so two stages in one account cannot delete each other's resources even through a bug", async () => {
    for (const stage of ["prod", "staging"]) {
      const storage = await synth(Storage, stage);
      const tableNames = Object.values(storage.findResources("AWS::DynamoDB::Table")).map((t) => String(t.Properties.TableName));
      const registryName = tableNames.find((n) => n.endsWith(`-${registryTable.id}`));
      expect(registryName, tableNames.join(", ")).toMatch(new RegExp(`^${stage}-`));
      const prefix = NameScheme.forRegistry(registryName ?? "").prefix;
      const sweep = statements(await synth(Janitor, stage)).filter((s) => /owning record is gone/.test(s.description));
      const arn = "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:";
      const lbDeletes = sweep.filter((s) => s.actions.includes("elasticloadbalancing:DeleteLoadBalancer")).flatMap((s) => s.resources);
      expect(lbDeletes.sort()).toEqual([`${arn}loadbalancer/${prefix}*`, `${arn}loadbalancer/app/${prefix}*/*`, `${arn}loadbalancer/net/${prefix}*/*`].sort());
      const tgDeletes = sweep.filter((s) => s.actions.includes("elasticloadbalancing:DeleteTargetGroup")).flatMap((s) => s.resources);
      expect(tgDeletes).toEqual([`${arn}targetgroup/${prefix}*/*`]);
      const terminates = sweep.filter((s) => s.actions.includes("ec2:TerminateInstances"));
      expect(terminates.map((s) => s.conditions)).toEqual([{ StringLike: { "ec2:ResourceTag/Name": `${prefix}*` } }]);
    }
  });

  it("lets the sweep and the lease workers terminate only instances named scythe-* and delete only ELBv2 load balancers and target groups named scythe-*", async () => {
    const all = statements(await synth(Janitor));
    const prefix = "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:";
    const terminates = all.filter((s) => s.actions.includes("ec2:TerminateInstances"));
    // The sweep, the leases handler, the expiry sweep, its worker and the stream worker.
    expect(terminates.length).toBeGreaterThanOrEqual(2);
    expect(new Set(terminates.map((s) => s.description))).toContain("Removes cloud resources named in Scythe's scheme whose owning record is gone");
    // The sweep's own are narrower still (its stage's prefix, the test above); the lease workers tear down what was registered.
    const name = (s: Statement) => (/owning record is gone/.test(s.description) ? "scythe-[0-9a-f]{4}-" : "scythe-");
    for (const s of terminates) {
      expect(s.actions).toEqual(["ec2:TerminateInstances"]);
      expect(s.resources).toEqual(["arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"]);
      expect(JSON.stringify(s.conditions)).toMatch(new RegExp(`^\\{"StringLike":\\{"ec2:ResourceTag/Name":"${name(s)}\\*"\\}\\}$`));
    }
    const tgDeletes = all.filter((s) => s.actions.includes("elasticloadbalancing:DeleteTargetGroup"));
    expect(tgDeletes.length).toBe(terminates.length);
    const at = prefix.replace(/[$.{}]/g, "\\$&");
    for (const s of tgDeletes) expect(s.resources.join(" ")).toMatch(new RegExp(`^${at}targetgroup/${name(s)}\\*/\\*$`));
    const v2Deletes = all.filter((s) => s.actions.includes("elasticloadbalancing:DeleteLoadBalancer") && s.resources.some((r) => r.includes("/app/")));
    for (const s of v2Deletes) expect(s.resources.join(" ")).toMatch(new RegExp(`^${at}loadbalancer/app/${name(s)}\\*/\\* ${at}loadbalancer/net/${name(s)}\\*/\\*$`));
    expect(v2Deletes.length).toBe(terminates.length);
    // No action anywhere is a wildcard.
    for (const s of all) for (const a of s.actions) expect(a).not.toContain("*");
  });

  it("scopes instance stops and deletes, and deployments, to the stage's OpsWorks stacks when it names them", async () => {
    process.env.SCYTHE_OPSWORKS_STACKS = "2f3e-stack-a,9c1d-stack-b";
    const all = [...statements(await synth(Janitor)), ...statements(await synth(Deploys))];
    const opsworks = all.filter((s) => s.actions.some((a) => /^opsworks:(StopInstance|DeleteInstance|CreateDeployment)$/.test(a)));
    expect(opsworks.length).toBeGreaterThanOrEqual(4);
    for (const s of opsworks) {
      expect(s.resources.sort()).toEqual([
        "arn:${AWS::Partition}:opsworks:${AWS::Region}:${AWS::AccountId}:stack/2f3e-stack-a/",
        "arn:${AWS::Partition}:opsworks:${AWS::Region}:${AWS::AccountId}:stack/9c1d-stack-b/",
      ]);
    }
  });

  it("scopes a deploy's (de)registrations to the load balancers the stage names", async () => {
    process.env.SCYTHE_DEPLOY_LOAD_BALANCERS = "web-prod";
    const changes = statements(await synth(Deploys)).filter((s) => s.actions.some((a) => /Register(Instances|Deregister)|FromLoadBalancer|WithLoadBalancer/.test(a)));
    expect(changes.length).toBeGreaterThan(0);
    for (const s of changes) expect(s.resources).toEqual(["arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:loadbalancer/web-prod"]);
  });

  it("scopes an EC2 rollout's registrations to target groups (the stage's, when it names them) and its commands to documents and instances", async () => {
    process.env.SCYTHE_DEPLOY_TARGET_GROUPS = "web-prod";
    const all = statements(await synth(Deploys));
    const registrations = all.filter((s) => s.actions.some((a) => /^elasticloadbalancing:.*Targets$/.test(a)));
    expect(registrations.length).toBeGreaterThanOrEqual(4);
    for (const s of registrations) {
      expect(s.actions.every((a) => /^elasticloadbalancing:(Register|Deregister)Targets$/.test(a))).toBe(true);
      expect(s.resources).toEqual(["arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:targetgroup/web-prod/*"]);
    }
    const sends = all.filter((s) => s.actions.includes("ssm:SendCommand"));
    expect(sends).toHaveLength(1);
    expect(sends[0]?.actions).toEqual(["ssm:SendCommand"]);
    expect(sends[0]?.resources).toEqual([
      "arn:${AWS::Partition}:ssm:${AWS::Region}::document/AWS-RunShellScript",
      "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:document/*",
      "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*",
    ]);
    // The SSM reads (commands, invocations, and Validate's DescribeDocument) are the only SSM calls on "*".
    for (const s of all.filter((s) => s.resources.includes("*"))) for (const a of s.actions.filter((a) => a.startsWith("ssm:"))) expect(a).toMatch(/^ssm:(List|Get|Describe)/);
  });

  it("refuses a malformed stack id at build time, naming the variable", async () => {
    process.env.SCYTHE_OPSWORKS_STACKS = "ok-1,not ok";
    await expect(synth(Janitor)).rejects.toThrow(/SCYTHE_OPSWORKS_STACKS: "not ok"/);
  });
});
