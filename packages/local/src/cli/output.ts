import pc from "picocolors";
import { BadInputError, ScytheError } from "@scythe/core";

/**
 * What a command prints: progress for people on stderr; the result on stdout, as text or,
 * with --json, as exactly one JSON document.
 */
export class Output {
  constructor(readonly json: boolean) {}

  progress(message: string): void {
    process.stderr.write(`${pc.dim("›")} ${message}\n`);
  }

  result(data: unknown, human: string): void {
    process.stdout.write(this.json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
  }

  /** Prints a failure and returns the exit code: 2 for bad input (a malformed value or an unknown id), 1 otherwise. */
  failure(error: unknown): number {
    const known = error instanceof ScytheError;
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    const field = error instanceof BadInputError ? error.field : undefined;
    if (this.json) process.stdout.write(`${JSON.stringify({ error: { name, message, field } }, null, 2)}\n`);
    process.stderr.write(`${pc.red("error")} ${known ? message : `${name}: ${message}`}\n`);
    if (!known && error instanceof Error && error.stack) process.stderr.write(`${pc.dim(error.stack)}\n`);
    return error instanceof BadInputError ? 2 : 1;
  }
}
