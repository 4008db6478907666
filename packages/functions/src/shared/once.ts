/** Builds a value on first use and keeps it: clients and services are made once per cold start. */
export function once<T>(build: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: build() }).v;
}
