/** Every record persisted in the registry, torn down or not, as owner prefixes. */
export interface OwnerRecords {
  ownerPrefixes(): Promise<Set<string>>;
}
