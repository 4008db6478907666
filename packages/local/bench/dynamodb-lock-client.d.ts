// The baseline library ships no types; this declares the part the lock benchmark uses.
declare module "dynamodb-lock-client" {
  interface Lock {
    fencingToken?: number;
    release(callback: (error?: Error | null) => void): void;
  }
  interface FailOpenConfig {
    dynamodb: unknown;
    lockTable: string;
    partitionKey: string;
    leaseDurationMs: number;
    heartbeatPeriodMs?: number;
    owner?: string;
    retryCount?: number;
    trustLocalTime?: boolean;
  }
  interface FailOpenClient {
    acquireLock(id: string, callback: (error: (Error & { code?: string }) | null, lock?: Lock) => void): void;
  }
  const client: { FailOpen: new (config: FailOpenConfig) => FailOpenClient };
  export default client;
}
