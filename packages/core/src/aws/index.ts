export * from "./sdkErrors.js";
export * from "./opsworks/index.js";
export * from "./elb/index.js";
export * from "./heroku/index.js";
