/**
 * The error behind a Step Functions `Error`/`Cause` pair. A Lambda task's cause is the
 * runtime's JSON (`errorType`, `errorMessage`, ...); anything else is kept as text.
 */
export function errorFromCause(name: string, cause: string | null | undefined): { name: string; message: string } {
  if (!cause) return { name, message: "" };
  try {
    const parsed: unknown = JSON.parse(cause);
    if (parsed && typeof parsed === "object" && "errorMessage" in parsed && typeof parsed.errorMessage === "string") {
      return { name, message: parsed.errorMessage };
    }
  } catch {
    // not JSON: a cause written by a Fail state or by Step Functions itself
  }
  return { name, message: cause };
}
