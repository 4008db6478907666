/**
 * AWS list prices Scythe's cost estimate multiplies by: us-east-1, on-demand, no free
 * tier, as published on AWS's pricing pages (DynamoDB on-demand after its November 2024
 * cut). Recorded by hand, not fetched at run time: check the pages named before relying on
 * a figure, and change them here, in one place, with the date.
 */
export const priceTable = {
  date: "2026-11-30",
  region: "us-east-1",
  sources: [
    "https://aws.amazon.com/lambda/pricing/",
    "https://aws.amazon.com/step-functions/pricing/",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "https://aws.amazon.com/cloudwatch/pricing/",
    "https://aws.amazon.com/xray/pricing/",
    "https://aws.amazon.com/sqs/pricing/",
    "https://aws.amazon.com/eventbridge/pricing/",
  ],
  lambdaRequest: 0.2 / 1e6,
  /** arm64, first tier. */
  lambdaGbSecond: 0.0000133334,
  stepFunctionsTransition: 0.025 / 1000,
  dynamoReadRequestUnit: 0.125 / 1e6,
  dynamoWriteRequestUnit: 0.625 / 1e6,
  dynamoStorageGbMonth: 0.25,
  dynamoPitrGbMonth: 0.2,
  logsIngestedGb: 0.5,
  logsStoredGbMonth: 0.03,
  /** Per custom metric per month, prorated by the hours it is published in (first 10,000 metrics). */
  customMetricMonth: 0.3,
  /** Standard-resolution alarm, per metric it evaluates, per month. */
  alarmMetricMonth: 0.1,
  dashboardMonth: 3,
  xrayTraceRecorded: 5 / 1e6,
  sqsRequest: 0.4 / 1e6,
  /** Scheduled rules and AWS service events on the default bus carry no charge. */
  eventBridgeScheduledInvocation: 0,
} as const;

export type PriceTable = Omit<typeof priceTable, "date" | "region" | "sources"> & { date: string; region: string; sources: readonly string[] };
