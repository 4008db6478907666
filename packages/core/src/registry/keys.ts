/**
 * How leases, resources and their command queues sit in the registry table. Each
 * object (a lease or a resource) is one partition: its record, its queue counter and
 * its commands, so one Query reads an object's whole queue.
 */
export type ObjectKind = "lease" | "resource";

export interface ObjectRef {
  readonly kind: ObjectKind;
  readonly id: string;
}

export const recordSk = "record";
export const queueSk = "queue";
export const commandSkPrefix = "cmd#";

export const objectPk = (ref: ObjectRef): string => `${ref.kind}#${ref.id}`;

/** Sequence numbers are zero-padded so the sort key orders commands numerically. */
export const commandSk = (seq: number): string => `${commandSkPrefix}${String(seq).padStart(12, "0")}`;

/** The object's fenced lock: its single writer holds it while consuming the queue. */
export const objectLockName = (ref: ObjectRef): string => `object/${ref.kind}/${ref.id}`;

export function refFromPk(pk: string): ObjectRef | undefined {
  const match = /^(lease|resource)#(.+)$/.exec(pk);
  if (!match?.[1] || !match[2]) return undefined;
  return { kind: match[1] as ObjectKind, id: match[2] };
}

export const sameRef = (a: ObjectRef, b: ObjectRef) => a.kind === b.kind && a.id === b.id;
export const describeRef = (ref: ObjectRef) => `${ref.kind} ${ref.id}`;

/** The item that says which resource tears a cloud object down (one live resource per object). */
export const claimKey = (key: string) => ({ pk: `claim#${key}`, sk: "claim" });
