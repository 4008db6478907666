export * from "./AppPlatform.js";
export * from "./platformErrors.js";
export * from "./InstanceTeardown.js";
