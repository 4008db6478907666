import { Command } from "commander";
import { ValidationError, type ResourceRecord } from "@scythe/core";
import { parseDuration } from "../durations.js";
import { action } from "../run.js";
import { leasesOnTarget } from "./leases.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

function attributes(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new ValidationError("--attr", `"${pair}" is not key=value`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

const describe = (r: ResourceRecord) =>
  `${r.id}  ${r.status.padEnd(9)} ${r.kind} (${r.blueprint})  leases ${r.leaseIds.length}` +
  `${r.expiresAt ? `  expires ${new Date(r.expiresAt).toISOString()}` : ""}${r.deleteRequested ? "  delete requested" : ""}${r.brokenReason ? `  broken: ${r.brokenReason}` : ""}`;

export function resourcesCommand(): Command {
  const resources = new Command("resources").description("register resources that leases hold and blueprints tear down");

  resources
    .command("create")
    .requiredOption("--kind <kind>", "what it is (host, app, network)")
    .requiredOption("--blueprint <name>", "how it is torn down: opsworks-instance (attr instanceId) or heroku-app (attr app)")
    .option("--id <id>", "resource id (default: a random UUID)")
    .option("--attr <key=value>", "an attribute, repeatable", collect, [])
    .option("--expires-in <duration>", "release it this long from now")
    .option("--expire-after-idle <duration>", "release it this long after its last lease ends (0s: at once)")
    .option("--ref <id>", "a resource this one depends on, repeatable", collect, [])
    .description("register a resource (active)")
    .action(
      action(async (output, opts: { kind: string; blueprint: string; id?: string; attr: string[]; expiresIn?: string; expireAfterIdle?: string; ref: string[] }) => {
        const input = {
          id: opts.id,
          kind: opts.kind,
          blueprint: opts.blueprint,
          attributes: attributes(opts.attr),
          expiresInMs: opts.expiresIn === undefined ? undefined : parseDuration("--expires-in", opts.expiresIn),
          expireAfterIdleMs: opts.expireAfterIdle === undefined ? undefined : parseDuration("--expire-after-idle", opts.expireAfterIdle),
          references: opts.ref,
        };
        const { leases } = await leasesOnTarget();
        const resource = await leases.service.createResource(input);
        output.result(resource, `created ${describe(resource)}`);
      }),
    );

  resources
    .command("list")
    .option("--all", "include destroyed resources")
    .description("list resources")
    .action(
      action(async (output, opts: { all?: boolean }) => {
        const { leases } = await leasesOnTarget();
        const found = (await leases.service.listResources()).filter((r) => opts.all || r.status !== "destroyed").sort((a, b) => a.createdAt - b.createdAt);
        output.result({ resources: found }, found.length ? found.map(describe).join("\n") : "no resources");
      }),
    );

  resources
    .command("mark-delete")
    .argument("<resource>", "resource id")
    .option("--dry-run", "say whether it would be marked, change nothing")
    .description("flag a resource for the deallocator: destroyed once no live lease holds it and nothing references it")
    .action(
      action(async (output, resourceId: string, opts: { dryRun?: boolean }) => {
        const { leases } = await leasesOnTarget();
        const result = await leases.service.markDelete({ resourceId, dryRun: Boolean(opts.dryRun) });
        const verb = result.dryRun ? (result.changed ? "would mark" : "would leave") : result.changed ? "marked" : "already marked (or destroyed):";
        output.result(result, `${verb} ${resourceId} for deletion`);
      }),
    );

  return resources;
}
