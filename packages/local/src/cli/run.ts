import type { Command } from "commander";
import { cliRun } from "./context.js";
import type { ExitCode } from "./exitCodes.js";
import type { Output } from "./output.js";

/** What an action ends with: its exit code when it is not 0. */
// An action that returns nothing is done (exit 0); `void` says that better than `undefined` here.
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export type ActionResult = ExitCode | void;

/** What a command does, given its Output and commander's arguments. */
export type CommandAction<A extends unknown[]> = (output: Output, ...args: A) => Promise<ActionResult>;

/**
 * A command's action, loaded when the command runs: `load` imports the module under
 * cli/actions/ that does the work, so `scythe --help` (and every other command) never loads
 * the AWS SDK or the core for a command that is not run. Builds the Output from --json,
 * turns any failure into a clear message and an exit code, and never lets a stack trace be
 * the only thing a person sees.
 */
export function action<A extends unknown[]>(load: () => Promise<CommandAction<A>>) {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const { Output } = await import("./output.js");
    const output = new Output(Boolean(command.optsWithGlobals().json));
    const run = cliRun();
    try {
      const fn = await load();
      run.exitCode = (await fn(output, ...args)) ?? 0;
    } catch (error) {
      run.exitCode = output.failure(error);
    }
  };
}
