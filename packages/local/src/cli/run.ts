import type { Command } from "commander";
import { Output } from "./output.js";

/**
 * Wraps a command's action: builds its Output from --json, turns any failure into a clear
 * message and an exit code, and never lets a stack trace be the only thing a person sees.
 */
export function action<A extends unknown[]>(fn: (output: Output, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const output = new Output(Boolean(command.optsWithGlobals().json));
    try {
      await fn(output, ...args);
    } catch (error) {
      process.exitCode = output.failure(error);
    }
  };
}
