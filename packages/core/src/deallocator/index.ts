export * from "./Deallocator.js";
export * from "./affected.js";
