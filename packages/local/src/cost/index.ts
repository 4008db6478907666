export * from "./estimate.js";
export * from "./measure.js";
export * from "./prices.js";
export * from "./usage.js";
export * from "./workload.js";
