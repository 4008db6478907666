import { Command, CommanderError } from "commander";
import { cliRun, withCliRun, type CliIo } from "./context.js";
import { exitCodes } from "./exitCodes.js";
import { buildProgram } from "./program.js";

/** Help that was asked for is a success; everything else commander stops on is a usage error. */
const helpCodes = new Set(["commander.helpDisplayed", "commander.version"]);

/**
 * Runs `scythe` with `args` (without node and the script) and returns its exit code. The
 * binary calls this with the process's streams; tests call it in-process with their own.
 * Commander's own errors (a missing or unknown option, extra or missing arguments, an
 * unknown command) are bad input: exit 2, and under --json an error document on stdout.
 */
export function runCli(args: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr, env: io.env ?? process.env };
  return withCliRun(full, async (run) => {
    const program = buildProgram();
    configure(program);
    program.hook("preAction", (_root, command) => refuseConflictingRepeats(command, args));
    try {
      await program.parseAsync([...args], { from: "user" });
    } catch (error) {
      if (!(error instanceof CommanderError)) throw error;
      if (helpCodes.has(error.code)) return exitCodes.done;
      if (args.includes("--json")) {
        const message = error.message.replace(/^error: /, "");
        run.stdout.write(`${JSON.stringify({ error: { name: "UsageError", code: error.code, message, field: fieldOf(message) } }, null, 2)}\n`);
      }
      return exitCodes.badInput;
    }
    return run.exitCode;
  });
}

/** Every command throws instead of exiting, and writes through the current run's streams. */
function configure(command: Command): void {
  command.exitOverride().configureOutput({
    writeOut: (text) => cliRun().stdout.write(text),
    writeErr: (text) => cliRun().stderr.write(text),
    // Help is wrapped to the run's own terminal (80 columns off a terminal), as commander does for the process's.
    getOutHelpWidth: () => columnsOf(cliRun().stdout),
    getErrHelpWidth: () => columnsOf(cliRun().stderr),
  });
  for (const sub of command.commands) configure(sub);
}

/**
 * An option given twice with different values (`--older-than 7m ... --older-than 1m`) is
 * refused: commander would keep the last one silently, and which one a person meant is a
 * guess. Options that collect (`--attr`, `--ref`, `--command`) end as lists and are left alone.
 */
function refuseConflictingRepeats(command: Command, args: readonly string[]): void {
  const end = args.indexOf("--");
  const tokens = end === -1 ? args : args.slice(0, end);
  for (const option of command.options) {
    if (!option.long || option.variadic || Array.isArray(command.getOptionValue(option.attributeName()))) continue;
    const flag = option.long;
    const given: string[] = [];
    tokens.forEach((token, i) => {
      if (token === flag) given.push(option.required || option.optional ? (tokens[i + 1] ?? "") : "");
      else if (token.startsWith(`${flag}=`)) given.push(token.slice(flag.length + 1));
    });
    const distinct = [...new Set(given)];
    if (distinct.length > 1) {
      command.error(`error: option '${flag}' given more than once with different values (${distinct.map((v) => JSON.stringify(v)).join(", ")}): give it once`, {
        code: "scythe.conflictingOption",
        exitCode: 2,
      });
    }
  }
}

function columnsOf(stream: object): number {
  const tty = stream as { isTTY?: boolean; columns?: number };
  return (tty.isTTY ? tty.columns : undefined) ?? 80;
}

/** The option or argument commander's message names: `'--holder <id>'` gives `--holder`. */
function fieldOf(message: string): string | undefined {
  return /'([^' ]+)/.exec(message)?.[1];
}
