export { Deallocator, type DeallocationReport, type DeallocatorOptions } from "./Deallocator.js";
export { affectedResources, type RegistryChange } from "./affected.js";
