import { createHash } from "node:crypto";
import { ownerPrefixOfId } from "../schema/owners.js";

export { ownerPrefixOfId };

/**
 * Scythe's naming scheme for what is created in the cloud for a registry record:
 * `scythe-<stage>-<owner>-<rest>`, where <owner> is the first 8 hex characters of the owning
 * record's id and <stage> 4 hex characters that stand for the registry (the stage) the
 * record lives in. It fits every target's name rules (hostnames, classic ELB and ELBv2 names
 * up to 32 characters, Heroku app names up to 30).
 *
 * The stage tag is what lets two stages share an account: each stage's orphan sweep looks
 * only at names carrying its own tag, so another stage's resources, whose owners are in that
 * stage's registry and not in this one, are never taken for orphans.
 */
export const namePrefix = "scythe-";
const anyStage = /^scythe-([0-9a-f]{4})-([0-9a-f]{8})(?:-|$)/;
const stageTag = /^[0-9a-f]{4}$/;

export class NameScheme {
  /** `scythe-<tag>-`: what every name of this stage starts with. */
  readonly prefix: string;

  constructor(readonly tag: string) {
    if (!stageTag.test(tag)) throw new Error(`stage tag "${tag}" is not 4 lower-case hex characters`);
    this.prefix = `${namePrefix}${tag}-`;
  }

  /**
   * The scheme of the stage whose registry table is `tableName` (unique per stage and
   * account, and the same again if the stage is removed and deployed anew, so a stage's
   * own orphans are still found after its registry was lost).
   */
  static forRegistry(tableName: string): NameScheme {
    return new NameScheme(createHash("sha256").update(`scythe-registry:${tableName}`).digest("hex").slice(0, 4));
  }

  /** The name for a cloud resource owned by `recordId`. */
  name(recordId: string, suffix: string): string {
    const owner = ownerPrefixOfId(recordId);
    if (!owner) throw new Error(`record id ${recordId} does not start with 8 hex characters`);
    return `${this.prefix}${owner}-${suffix}`;
  }

  /** The owner prefix a name of THIS stage carries; undefined for anything else (never touched). */
  ownerOf(name: string): string | undefined {
    const match = anyStage.exec(name);
    return match?.[1] === this.tag ? match[2] : undefined;
  }

  /** A name in Scythe's form but another stage's: left alone, and counted so a person sees why. */
  isOtherStage(name: string): boolean {
    const match = anyStage.exec(name);
    return match !== null && match[1] !== this.tag;
  }
}
