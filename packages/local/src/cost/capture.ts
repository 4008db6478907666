import type { Context } from "aws-lambda";
import type { MeterReading } from "../world/meter.js";
import { emptySample, type Sample } from "./usage.js";

type Handler = (event: never, context: Context) => Promise<unknown>;

const context = (functionName: string): Context =>
  ({
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: crypto.randomUUID(),
    getRemainingTimeInMillis: () => 300_000,
  }) as unknown as Context;

/**
 * Counts what handlers consume while `work` runs: invocations and their billed time
 * (measured here, in-process), DynamoDB requests and units (from the metered client),
 * and the bytes and metric names they write to stdout, which Lambda ships to CloudWatch.
 * Their stdout is kept off the terminal meanwhile.
 */
export class UsageCapture {
  private sample: Sample = emptySample();
  private capturing = false;
  private readonly metricNames = new Set<string>();

  constructor(private readonly meter: { reading(): MeterReading; reset(): void }) {}

  /** A handler wrapped so its invocations are counted and timed. */
  invoker(functionName: string, handler: Handler) {
    return async (event: unknown): Promise<unknown> => {
      const started = performance.now();
      try {
        return await handler(event as never, context(functionName));
      } finally {
        this.sample.invocations += 1;
        this.sample.billedMs += Math.max(1, Math.ceil(performance.now() - started));
      }
    };
  }

  addTransitions(n: number): void {
    this.sample.transitions += n;
  }

  async measure(work: () => Promise<unknown>): Promise<Sample> {
    if (this.capturing) throw new Error("one measurement at a time");
    this.capturing = true;
    this.sample = emptySample();
    this.metricNames.clear();
    this.meter.reset();
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      this.sample.logBytes += Buffer.byteLength(text);
      for (const line of text.split("\n")) this.readMetricNames(line);
      return true;
    }) as typeof process.stdout.write;
    try {
      await work();
    } finally {
      process.stdout.write = write;
      this.capturing = false;
    }
    const reading = this.meter.reading();
    return {
      ...this.sample,
      requests: reading.requests,
      // DynamoDB bills a minimum per read request that DynamoDB Local does not report.
      readUnits: reading.readCapacity + reading.readFloorTopUp,
      writeUnits: reading.writeCapacity,
      metricNames: [...this.metricNames].sort(),
    };
  }

  private readMetricNames(line: string): void {
    if (!line.includes('"_aws"')) return;
    try {
      const doc = JSON.parse(line) as { _aws?: { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] } };
      for (const directive of doc._aws?.CloudWatchMetrics ?? []) for (const m of directive.Metrics ?? []) this.metricNames.add(m.Name);
    } catch {
      // Not an EMF document after all: counted as log bytes only.
    }
  }
}
