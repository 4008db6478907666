export * from "./usage.js";
export * from "./Deallocator.js";
