type Cleanup = () => Promise<void>;

const cleanups = new Set<Cleanup>();
let installed = false;

/**
 * Runs `cleanup` on every way out of this process that Node lets code run on:
 * normal exit of the caller, Ctrl-C, SIGTERM/SIGHUP, an uncaught exception or rejection.
 * (SIGKILL is covered by DynamoDB Local's watchdog.) Returns a function that unregisters it.
 */
export function onShutdown(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  if (!installed) install();
  return () => cleanups.delete(cleanup);
}

async function runAll(): Promise<void> {
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(pending.map((c) => c()));
}

function install(): void {
  installed = true;
  const exitAfterCleanup = (code: number) => {
    void runAll().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => exitAfterCleanup(130));
  process.once("SIGTERM", () => exitAfterCleanup(143));
  process.once("SIGHUP", () => exitAfterCleanup(129));
  process.once("uncaughtException", (error) => {
    console.error(error);
    exitAfterCleanup(1);
  });
  process.once("unhandledRejection", (reason) => {
    console.error(reason);
    exitAfterCleanup(1);
  });
}
