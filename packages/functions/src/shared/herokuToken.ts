import type { MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import { ScytheError } from "@scythe/core/errors";

/** The token could not be read from its store (SSM / Secrets Manager) or was empty. */
export class SecretUnavailableError extends ScytheError {}

/** What the `herokuToken` middleware adds to the Lambda context before the handler runs. */
export interface HerokuTokenContext extends Context {
  herokuToken: string;
}

export interface HerokuTokenOptions {
  /** Reads the token (e.g. from SSM Parameter Store); called at most once per `maxAgeMs`. */
  readonly load: () => Promise<string>;
  /** How long a token is reused across invocations of a warm container (ms, default 5 min). */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

/**
 * Middy middleware: fetches the Heroku platform token before the handler runs, once per
 * cold start and again after `maxAgeMs` (so a rotated secret is picked up), and puts it on
 * the context as `herokuToken`. `lambda()` registers it after input validation, so a bad
 * payload never costs an SSM call.
 */
export function herokuToken(options: HerokuTokenOptions): MiddlewareObj<unknown, unknown, Error, HerokuTokenContext> {
  const maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let cached: { value: string; at: number } | undefined;
  const before: MiddlewareObj<unknown, unknown, Error, HerokuTokenContext>["before"] = async (request) => {
    if (!cached || now() - cached.at >= maxAgeMs) {
      let value: string;
      try {
        value = (await options.load()).trim();
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new SecretUnavailableError(`the Heroku API token could not be read (${reason})`, { cause: error });
      }
      if (value === "") throw new SecretUnavailableError("the Heroku API token is empty");
      cached = { value, at: now() };
    }
    request.context.herokuToken = cached.value;
  };
  return { name: "herokuToken", before };
}
