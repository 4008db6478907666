export * from "./errors.js";
export * from "./LockStore.js";
export * from "./DynamoLockStore.js";
export * from "./LockService.js";
export * from "./withLock.js";
export * from "./fence.js";
