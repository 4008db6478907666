export * from "./errors.js";
export * from "./clock.js";
export * from "./validation.js";
export * from "./schema/tables.js";
export * from "./lock/index.js";
export * from "./leases/index.js";
export * from "./orphans/index.js";
export * from "./reaper/index.js";
