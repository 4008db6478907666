export { alarmPlan, stageDeadLetters, type PlannedAlarm, type PlannedMetric, type ResourceRef } from "./alarmPlan.js";
export { functionNameOf, parseDeadLetter, type DeadLetter } from "./deadLetter.js";
export { deletionMetrics, deployDoneMetric, deployPlannedMetric, expiryBacklogMetric, expiryLagMetric, itemErrorMetrics, jobMetric, metricDimensions, metricNamespace, metricService, scheduledJobMetrics, streamJobMetrics } from "./metrics.js";
export { defaultSchedules, hoursPerMonth, ratePeriodSeconds, runsPerMonth, type ScheduledJob } from "./schedules.js";
