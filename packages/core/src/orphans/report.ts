export interface SweepError {
  readonly kind: string;
  readonly name?: string;
  readonly error: string;
}

export interface OrphanSweepReport {
  readonly dryRun: boolean;
  /** Owner prefixes of records in the registry. */
  readonly livePrefixes: string[];
  /** Owner prefixes found on cloud resources with no record. */
  readonly orphanPrefixes: string[];
  /** Per kind: names seen in the inventory, and how many carried the scheme. */
  readonly seen: Record<string, { total: number; inScheme: number }>;
  /** Per kind: names removed (or, in a dry run, that would be). */
  readonly removed: Record<string, string[]>;
  /** Removal started but not finished; finished by a later pass. */
  readonly pending: Record<string, string[]>;
  /** Orphans left alone this pass, and why. */
  readonly kept: { kind: string; name: string; reason: string }[];
  readonly errors: SweepError[];
}
