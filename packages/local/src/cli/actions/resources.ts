import { ValidationError } from "@scythe/core/errors";
import { NameScheme, ownerPrefixOfId } from "@scythe/core/orphans";
import { type ResourceRecord } from "@scythe/core/registry";
import { parseDuration } from "../durations.js";
import { namingOptions, type OptionNames } from "../optionNames.js";
import { leasesOnTarget } from "./leases.js";
import type { Output } from "../output.js";

function attributes(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new ValidationError("--attr", `"${pair}" is not key=value`);
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    const earlier = out[key];
    // A key given twice with different values is a typo or a paste: keeping either one would be a guess.
    if (earlier !== undefined && earlier !== value) throw new ValidationError("--attr", `"${key}" is given twice with different values ("${earlier}", "${value}"): give it once`);
    out[key] = value;
  }
  return out;
}

const describe = (r: ResourceRecord) =>
  `${r.id}  ${r.status.padEnd(9)} ${r.kind} (${r.blueprint})  leases ${r.leaseIds.length}` +
  `${r.expiresAt ? `  expires ${new Date(r.expiresAt).toISOString()}` : ""}${r.deleteRequested ? "  delete requested" : ""}${r.brokenReason ? `  broken: ${r.brokenReason}` : ""}`;

/** `scythe resources create` */
/** The option that feeds each field of a resource, so a refusal names what the user typed. */
const createOptionNames: OptionNames = {
  kind: "--kind",
  blueprint: "--blueprint",
  id: "--id",
  attributes: "--attr",
  expiresInMs: "--expires-in",
  expireAfterIdleMs: "--expire-after-idle",
  references: "--ref",
};

export async function create(output: Output, opts: { kind: string; blueprint: string; id?: string; attr: string[]; expiresIn?: string; expireAfterIdle?: string; ref: string[] }): Promise<void> {
  const input = {
    id: opts.id,
    kind: opts.kind,
    blueprint: opts.blueprint,
    attributes: attributes(opts.attr),
    expiresInMs: opts.expiresIn === undefined ? undefined : parseDuration("--expires-in", opts.expiresIn),
    expireAfterIdleMs: opts.expireAfterIdle === undefined ? undefined : parseDuration("--expire-after-idle", opts.expireAfterIdle),
    references: opts.ref,
  };
  const { leases, target } = await leasesOnTarget();
  const resource = await namingOptions(createOptionNames, () => leases.service.createResource(input));
  // What to call what is made in the cloud for it, so this stage's orphan sweep knows it as this record's.
  const owner = ownerPrefixOfId(resource.id);
  const namePrefix = owner === undefined ? undefined : `${NameScheme.forRegistry(target.tables.registry).prefix}${owner}-`;
  const naming = namePrefix ? `\n  name what you create for it: ${namePrefix}<anything>` : "\n  (an id that does not start with 8 hex characters has no cloud names in Scythe's scheme)";
  output.result({ ...resource, ...(namePrefix && { namePrefix }) }, `created ${describe(resource)}${naming}`);
}

/** `scythe resources list` */
export async function list(output: Output, opts: { all?: boolean }): Promise<void> {
  const { leases } = await leasesOnTarget();
  const found = (await leases.service.listResources()).filter((r) => opts.all || r.status !== "destroyed").sort((a, b) => a.createdAt - b.createdAt);
  output.result({ resources: found }, found.length ? found.map(describe).join("\n") : "no resources");
}

/** `scythe resources mark-delete <resource>` */
export async function markDelete(output: Output, resourceId: string, opts: { dryRun?: boolean }): Promise<void> {
  const { leases } = await leasesOnTarget();
  const result = await leases.service.markDelete({ resourceId, dryRun: Boolean(opts.dryRun) });
  const verb = result.dryRun ? (result.changed ? "would mark" : "would leave") : result.changed ? "marked" : "already marked (or destroyed):";
  output.result(result, `${verb} ${resourceId} for deletion`);
}
