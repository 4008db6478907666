import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

export interface MeterReading {
  requests: number;
  readCapacity: number;
  writeCapacity: number;
  byCommand: Record<string, number>;
  /**
   * Read units DynamoDB bills but DynamoDB Local does not report: a read request is charged
   * at least 0.5 unit (1 if strongly consistent) even when it finds nothing.
   */
  readFloorTopUp: number;
}

/**
 * Counts the commands a DynamoDB client sends and the capacity they consume: every
 * request is made to return its ConsumedCapacity (TOTAL). For benchmarks and cost tests.
 */
export function meterClient(client: DynamoDBClient) {
  const reading: MeterReading = { requests: 0, readCapacity: 0, writeCapacity: 0, byCommand: {}, readFloorTopUp: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "unknown";
      reading.requests += 1;
      reading.byCommand[command] = (reading.byCommand[command] ?? 0) + 1;
      const input = args.input as Record<string, unknown>;
      if (!("ReturnConsumedCapacity" in input) || input.ReturnConsumedCapacity === undefined) {
        input.ReturnConsumedCapacity = "TOTAL";
      }
      const result = await next(args);
      const before = reading.readCapacity;
      addCapacity(reading, command, (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
      if (isRead(command)) {
        const floor = input.ConsistentRead === true ? 1 : 0.5;
        reading.readFloorTopUp += Math.max(0, floor - (reading.readCapacity - before));
      }
      return result;
    },
    { step: "initialize", name: "scytheMeter" },
  );
  return {
    reading: () => ({ ...reading, byCommand: { ...reading.byCommand } }),
    reset: () => Object.assign(reading, { requests: 0, readCapacity: 0, writeCapacity: 0, byCommand: {}, readFloorTopUp: 0 }),
  };
}

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

function addCapacity(reading: MeterReading, command: string, consumed: unknown): void {
  const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Capacity[];
  for (const c of list) {
    // DynamoDB Local reports only CapacityUnits; attribute it by the kind of command.
    const read = c.ReadCapacityUnits ?? (isRead(command) ? (c.CapacityUnits ?? 0) : 0);
    const write = c.WriteCapacityUnits ?? (isRead(command) ? 0 : (c.CapacityUnits ?? 0));
    reading.readCapacity += read;
    reading.writeCapacity += write;
  }
}

const isRead = (command: string) => /^(Get|BatchGet|Query|Scan|TransactGet)/.test(command);
