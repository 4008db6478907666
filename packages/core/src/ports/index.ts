export { type AppPlatform, type CallOptions, type DeleteOutcome, type PlatformApp, type PlatformUsage } from "./AppPlatform.js";
export { PlatformError, PlatformUnavailableError, RateLimitedError, type PlatformErrorDetails } from "./platformErrors.js";
export { type InstanceTeardown } from "./InstanceTeardown.js";
