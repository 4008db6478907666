import type { NameScheme } from "./naming.js";

/** Every record persisted in the registry, torn down or not, as owner prefixes. */
export interface OwnerRecords {
  /** The naming scheme of this registry's stage: which cloud names its records own. */
  readonly scheme: NameScheme;
  /**
   * The owner prefixes that have a record: among `candidates` (the owners the sweep found
   * in the cloud) when given, so the cost follows what the cloud holds; else all of them.
   */
  ownerPrefixes(candidates?: ReadonlySet<string>): Promise<Set<string>>;
}
