export * from "./usage.js";
export * from "./Deallocator.js";
export * from "./affected.js";
