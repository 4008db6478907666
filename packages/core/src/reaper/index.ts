export { Namespace, defaultAppPrefix, minPrefixLength, namespaceRule } from "./namespace.js";
export { productionNames } from "./productionNames.js";
export { conflictStrategies, parseReapInput, reapDefaults, reapInput, reapSettings, type ConflictStrategy, type ReapInput, type ReapOptions, type ReapSettings } from "./inputs.js";
export { describeReport, reportedSettings, type DeleteReason, type LeftApp, type LeftReason, type ReapConflict, type ReapError, type ReapReport, type ReapWait, type ReapedApp } from "./report.js";
export { ReaperThrottle } from "./ReaperThrottle.js";
export { ReapPass, type PassControl, type PassDeps, type ReaperEvent, type Sleep } from "./ReapPass.js";
export { Reaper, type ReaperDeps } from "./Reaper.js";
export { reapWithLock, type LockedPassOptions } from "./reapWithLock.js";
