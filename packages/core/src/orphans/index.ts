export * from "./naming.js";
export * from "./Inventory.js";
export * from "./OwnerRecords.js";
export * from "./report.js";
export * from "./OrphanSweep.js";
export * from "./adapters/DynamoOwnerRecords.js";
export * from "./adapters/PlatformAppInventory.js";
export * from "./inventories.js";
