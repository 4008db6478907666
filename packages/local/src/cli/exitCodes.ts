/** What `scythe` exits with; documented in the README's CLI section. */
export const exitCodes = {
  /** Everything asked for was done. */
  done: 0,
  /** Something failed (an error, a lock held by another, a sweep item that failed). */
  failed: 1,
  /** Bad input: a usage error, a malformed value or an unknown id. Nothing was changed. */
  badInput: 2,
  /** Ran without errors but stopped short of its goal (the reaper gave up still over the limit). */
  incomplete: 3,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
