export { SqsExpiryQueue, type SqsExpiryQueueOptions } from "./SqsExpiryQueue.js";
