export { NameScheme, namePrefix, ownerPrefixOfId } from "./naming.js";
export { type CloudResource, type Inventory, type RemoveOutcome } from "./Inventory.js";
export { type OwnerRecords } from "./OwnerRecords.js";
export { type OrphanSweepReport, type SweepError } from "./report.js";
export { OrphanSweep, type OrphanSweepLock, type OrphanSweepOptions } from "./OrphanSweep.js";
export { PlatformAppInventory } from "./adapters/PlatformAppInventory.js";
export { sweepInventories } from "./inventories.js";
