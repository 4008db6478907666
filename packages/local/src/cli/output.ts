import pc from "picocolors";
import { BadInputError, ScytheError } from "@scythe/core/errors";
import { cliRun } from "./context.js";
import { exitCodes, type ExitCode } from "./exitCodes.js";
import { LiveStatus, wantsLiveLine, type StatusStream } from "../progress/LiveStatus.js";

/** Timestamps in --json: every numeric field named `...At` is epoch ms inside Scythe and ISO 8601 outside. */
export function isoTimestamps(key: string, value: unknown): unknown {
  return key.endsWith("At") && typeof value === "number" && Number.isFinite(value) && value > 0 ? new Date(value).toISOString() : value;
}

/**
 * What a command prints: progress for people on stderr; the result on stdout, as text or,
 * with --json, as exactly one JSON document (timestamps in ISO 8601).
 */
export class Output {
  private readonly run = cliRun();
  private status: LiveStatus | undefined;
  constructor(readonly json: boolean) {}

  progress(message: string): void {
    const line = `${pc.dim("›")} ${message}`;
    if (this.status) this.status.print(line);
    else this.run.stderr.write(`${line}\n`);
  }

  /**
   * A live status line (counts, what it waits for, time left) under the progress messages,
   * on a terminal only: off a TTY or with --json nothing extra is written. Call stop() when done.
   */
  live(render: () => string): { readonly live: boolean; stop(): void } {
    this.status?.stop();
    const stream = this.run.stderr as StatusStream;
    const status = new LiveStatus(stream, wantsLiveLine(stream, this.json, this.run.env), render).start();
    this.status = status;
    return {
      live: status.live,
      stop: () => {
        status.stop();
        if (this.status === status) this.status = undefined;
      },
    };
  }

  result(data: unknown, human: string): void {
    this.run.stdout.write(this.json ? `${JSON.stringify(data, isoTimestamps, 2)}\n` : `${human}\n`);
  }

  /** Prints a failure and returns the exit code: 2 for bad input (a malformed value or an unknown id), 1 otherwise. */
  failure(error: unknown): ExitCode {
    this.status?.stop();
    this.status = undefined;
    const known = error instanceof ScytheError;
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    const field = error instanceof BadInputError ? error.field : undefined;
    if (this.json) this.run.stdout.write(`${JSON.stringify({ error: { name, message, field } }, null, 2)}\n`);
    this.run.stderr.write(`${pc.red("error")} ${known ? message : `${name}: ${message}`}\n`);
    if (!known && error instanceof Error && error.stack) this.run.stderr.write(`${pc.dim(error.stack)}\n`);
    return error instanceof BadInputError ? exitCodes.badInput : exitCodes.failed;
  }
}
