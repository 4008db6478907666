import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { App } from "sst/constructs";

/** The retention periods CloudWatch Logs accepts, in days. */
const allowedRetention = Object.values(RetentionDays).filter((v): v is number => typeof v === "number" && v > 0);

export type StateMachineLogLevel = "ALL" | "ERROR" | "FATAL" | "OFF";

export interface OperationsSettings {
  /** Days a function's or the state machine's logs are kept (`SCYTHE_LOG_RETENTION_DAYS`, default 30). */
  readonly logRetentionDays: RetentionDays;
  /** Step Functions execution logging (`SCYTHE_STATE_MACHINE_LOG_LEVEL`, default ERROR). */
  readonly stateMachineLogLevel: StateMachineLogLevel;
  /** Subscribed to the alarm topic at deploy, when set (`SCYTHE_ALARM_EMAIL`). */
  readonly alarmEmail?: string;
  /** Whether the stage keeps its logs when removed (every stage but development ones). */
  readonly retain: boolean;
}

/**
 * A stage's operational settings, read at deploy time like its schedules. A bad value
 * fails the build of the stack, naming the variable, rather than deploying a surprise.
 */
export function operationsSettings(app: Pick<App, "stage">, retain: boolean, env: NodeJS.ProcessEnv = process.env): OperationsSettings {
  const days = env.SCYTHE_LOG_RETENTION_DAYS ?? "30";
  const retention = Number(days);
  if (!allowedRetention.includes(retention)) {
    throw new Error(`SCYTHE_LOG_RETENTION_DAYS="${days}" for stage ${app.stage}: must be one of ${allowedRetention.join(", ")}`);
  }
  const level = env.SCYTHE_STATE_MACHINE_LOG_LEVEL ?? "ERROR";
  if (!["ALL", "ERROR", "FATAL", "OFF"].includes(level)) {
    throw new Error(`SCYTHE_STATE_MACHINE_LOG_LEVEL="${level}" for stage ${app.stage}: must be ALL, ERROR, FATAL or OFF`);
  }
  const email = env.SCYTHE_ALARM_EMAIL;
  if (email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(email)) {
    throw new Error(`SCYTHE_ALARM_EMAIL="${email}" for stage ${app.stage}: not an email address`);
  }
  return {
    logRetentionDays: retention as RetentionDays,
    stateMachineLogLevel: level as StateMachineLogLevel,
    ...(email && { alarmEmail: email }),
    retain,
  };
}
