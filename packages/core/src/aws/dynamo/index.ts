export { documentClient, documentTranslation } from "./client.js";
export { translateDynamoError, dynamoCall } from "./errors.js";
export { Update, attr, cond, absent, and, or, exists, notExists, equals, oneOf, conditionOnly, AttributePath, Placeholders, type Condition, type BuiltExpressions } from "./expression.js";
export {
  write as conditionalWrite,
  transact as conditionalTransact,
  writeCommand,
  type WriteRequest,
  type WriteOutcome,
  type TransactOutcome,
  type CancellationReason,
} from "./gateway.js";
export { sendFenced, fencedRequest, fenceCondition, type FencedRequest, type FencedOutcome } from "./fencedWrite.js";
export { DynamoDeployJournal, type DeployJournalOptions } from "./DynamoDeployJournal.js";
export { DynamoRegistry, expireLeaseItems } from "./DynamoRegistry.js";
export { RegistryRequests, registryItem, type KeyedUpdate } from "./registryRequests.js";
export { toCommand, toLease, toResource, CorruptRecordError } from "./registryItems.js";
export { LoadBalancerClaims, claimKey, type ClaimSheet, type LoadBalancerClaimsOptions, type OutClaim, type SheetWrite, type TransactItem } from "./LoadBalancerClaims.js";
export { composeLeases, type Leases, type LeasesOptions } from "./composeLeases.js";
export { DynamoLockStore, type DynamoLockStoreOptions } from "./DynamoLockStore.js";
export { DynamoOwnerRecords } from "./DynamoOwnerRecords.js";
export { ReaperReportLog, recordOf, reportLogKey, type RecordedReapReport, type ReportLogOptions } from "./ReportLog.js";
export { DynamoTaskWaits, waitKey, type DynamoTaskWaitsOptions } from "./DynamoTaskWaits.js";
