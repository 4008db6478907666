import { AsyncLocalStorage } from "node:async_hooks";

/** Where one run of the CLI writes and what environment it reads: the process's, or a test's. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
}

interface CliRun extends CliIo {
  exitCode: number;
}

const runs = new AsyncLocalStorage<CliRun>();

/** Runs `fn` as one CLI run with its own streams, environment and exit code. */
export function withCliRun<T>(io: CliIo, fn: (run: CliRun) => Promise<T>): Promise<T> {
  const run: CliRun = { ...io, exitCode: 0 };
  return runs.run(run, () => fn(run));
}

/** The current run (the process itself outside runCli). */
export function cliRun(): CliRun {
  return runs.getStore() ?? { stdout: process.stdout, stderr: process.stderr, env: process.env, exitCode: 0 };
}

/** The environment the current command reads (HEROKU_API_TOKEN, SCYTHE_WORLD, ...). */
export const cliEnv = (): NodeJS.ProcessEnv => cliRun().env;
