/** What one measured run (or one unit of work) consumed, as counted in the local world. */
export interface Sample {
  /** Lambda invocations. */
  invocations: number;
  /** Sum over invocations of the handler's duration rounded up to the millisecond, as Lambda bills. */
  billedMs: number;
  /** DynamoDB requests, and the read and write request units they consumed. */
  requests: number;
  readUnits: number;
  writeUnits: number;
  /** Step Functions state transitions. */
  transitions: number;
  /** Bytes the handlers wrote to their logs (JSON log lines and EMF metric documents). */
  logBytes: number;
  /** Names of the custom metrics the handlers published. */
  metricNames: string[];
}

export const emptySample = (): Sample => ({ invocations: 0, billedMs: 0, requests: 0, readUnits: 0, writeUnits: 0, transitions: 0, logBytes: 0, metricNames: [] });

/** `a - b`, never below zero: the cost of a unit of work above an idle run. */
export function subtract(a: Sample, b: Sample): Sample {
  const minus = (x: number, y: number) => Math.max(0, x - y);
  return {
    invocations: minus(a.invocations, b.invocations),
    billedMs: minus(a.billedMs, b.billedMs),
    requests: minus(a.requests, b.requests),
    readUnits: minus(a.readUnits, b.readUnits),
    writeUnits: minus(a.writeUnits, b.writeUnits),
    transitions: minus(a.transitions, b.transitions),
    logBytes: minus(a.logBytes, b.logBytes),
    metricNames: a.metricNames.filter((n) => !b.metricNames.includes(n)),
  };
}

export function scale(s: Sample, factor: number): Sample {
  return {
    invocations: s.invocations * factor,
    billedMs: s.billedMs * factor,
    requests: s.requests * factor,
    readUnits: s.readUnits * factor,
    writeUnits: s.writeUnits * factor,
    transitions: s.transitions * factor,
    logBytes: s.logBytes * factor,
    metricNames: s.metricNames,
  };
}

/**
 * One line of the month's workload: a measured sample, how many times a month it happens,
 * and for how many hours of the month its metrics are being published.
 */
export interface WorkloadLine {
  readonly what: string;
  readonly perOccurrence: Sample;
  readonly perMonth: number;
  readonly metricHours: number;
}

/** Everything the month's bill is computed from. */
export interface MonthlyUsage {
  readonly lines: readonly WorkloadLine[];
  /** Items' bytes in Scythe's tables at the end of the run (with DynamoDB's 100 bytes per item of index overhead). */
  readonly storedBytes: number;
  /** Alarm metrics of the stage's alarm plan. */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  /** Lambda memory (MB) every function is given by the stacks. */
  readonly lambdaMemoryMb: number;
  /** Bytes Lambda itself logs per invocation (START, END, REPORT lines): an assumption, stated. */
  readonly platformLogBytesPerInvocation: number;
}
