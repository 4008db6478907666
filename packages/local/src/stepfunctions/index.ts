export * from "./runDeploy.js";
export * from "./substitute.js";
export * from "./localServices.js";
export * from "./lambdaInvoke.js";
export * from "./rolloutAudit.js";
export * from "./followProgress.js";
export * from "./history.js";
