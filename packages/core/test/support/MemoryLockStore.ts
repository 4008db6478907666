import type { AcquireOutcome, LockRecord, LockStore } from "../../src/lock/LockStore.js";

/** LockStore fake with the same conditions as the DynamoDB adapter, for unit tests. */
export class MemoryLockStore implements LockStore {
  readonly items = new Map<string, LockRecord>();
  failExtends = false;
  calls = 0;

  async acquire(name: string, owner: string, expiresAt: number, expiredBefore: number): Promise<AcquireOutcome> {
    this.calls++;
    const current = this.items.get(name);
    if (current?.kind !== undefined || (current?.holder !== undefined && current.expiresAt >= expiredBefore)) return { acquired: false, current };
    const lock = { name, holder: owner, expiresAt, token: (current?.token ?? 0) + 1 };
    this.items.set(name, lock);
    return { acquired: true, lock };
  }

  async extend(name: string, owner: string, token: number, expiresAt: number): Promise<LockRecord | null> {
    this.calls++;
    if (this.failExtends) throw new Error("storage down");
    const current = this.items.get(name);
    if (current?.holder !== owner || current.token !== token) return null;
    const next = { ...current, expiresAt };
    this.items.set(name, next);
    return next;
  }

  async release(name: string, owner: string, token: number): Promise<boolean> {
    this.calls++;
    const current = this.items.get(name);
    if (current?.holder !== owner || current.token !== token) return false;
    this.items.set(name, { name, token, expiresAt: 0 });
    return true;
  }

  async declareSemaphore(name: string, permits: number, expiredBefore: number): Promise<{ ok: true } | { ok: false; current: LockRecord }> {
    this.calls++;
    const current = this.items.get(name);
    if (current?.kind === "semaphore" && current.permits === permits) return { ok: true };
    if (current?.kind !== undefined || (current?.holder !== undefined && current.expiresAt >= expiredBefore)) return { ok: false, current };
    this.items.set(name, { name, token: current?.token ?? 0, expiresAt: 0, kind: "semaphore", permits });
    return { ok: true };
  }

  async get(name: string): Promise<LockRecord | null> {
    return this.items.get(name) ?? null;
  }
}
