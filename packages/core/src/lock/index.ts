export { LockHeldError, LockKindError, LockLostError, StaleTokenError } from "./errors.js";
export { type AcquireOutcome, type LockRecord, type LockStore, type Ticket } from "./LockStore.js";
export { LockService, type AcquireOptions, type Lease, type LockServiceOptions, type LockStatus } from "./LockService.js";
export { withLock, type LockContext, type WithLockOptions } from "./withLock.js";
export { fenceOf, type Fence } from "./fence.js";
export { actor, lockWaitInput } from "./inputs.js";
