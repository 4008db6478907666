export interface SweepError {
  readonly kind: string;
  readonly name?: string;
  readonly error: string;
}

export interface OrphanSweepReport {
  readonly dryRun: boolean;
  /** What this stage's names start with (`scythe-<stage tag>-`): only those are looked at. */
  readonly namePrefix: string;
  /** Owner prefixes of records in the registry. */
  readonly livePrefixes: string[];
  /** Owner prefixes found on cloud resources with no record. */
  readonly orphanPrefixes: string[];
  /** Per kind: names seen in the inventory, how many carried this stage's scheme, and how many another stage's (left alone). */
  readonly seen: Record<string, { total: number; inScheme: number; otherStages: number }>;
  /** Per kind: names this run removed (or, in a dry run, would remove). */
  readonly removed: Record<string, string[]>;
  /** Per kind: names the provider proved absent when this run came to remove them (someone else did). */
  readonly alreadyGone: Record<string, string[]>;
  /** Removal started but not finished; finished by a later pass. */
  readonly pending: Record<string, string[]>;
  /** Orphans left alone this pass, and why. */
  readonly kept: { kind: string; name: string; reason: string }[];
  readonly errors: SweepError[];
  /** The lock the sweep held (one sweep at a time), or why this run did nothing. */
  readonly lock?: { readonly name: string; readonly token?: number; readonly skipped?: string };
}
