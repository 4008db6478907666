import type { Command } from "commander";
import { cliRun } from "./context.js";
import type { ExitCode } from "./exitCodes.js";
import { Output } from "./output.js";

/**
 * Wraps a command's action: builds its Output from --json, turns any failure into a clear
 * message and an exit code, and never lets a stack trace be the only thing a person sees.
 * The action returns its exit code when it is not 0 (a sweep with failures, an incomplete pass).
 */
// An action that returns nothing is done (exit 0); `void` says that better than `undefined` here.
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export function action<A extends unknown[]>(fn: (output: Output, ...args: A) => Promise<ExitCode | void>) {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const output = new Output(Boolean(command.optsWithGlobals().json));
    const run = cliRun();
    try {
      run.exitCode = (await fn(output, ...args)) ?? 0;
    } catch (error) {
      run.exitCode = output.failure(error);
    }
  };
}
