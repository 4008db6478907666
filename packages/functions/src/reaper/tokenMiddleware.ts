import type { MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import { ScytheError } from "@scythe/core/errors";

/** The token could not be read from its store (SSM / Secrets Manager) or was empty. */
export class SecretUnavailableError extends ScytheError {}

export interface TokenMiddlewareOptions {
  /** Reads the token (e.g. from SSM Parameter Store); called at most once per `maxAgeMs`. */
  readonly load: () => Promise<string>;
  /** How long a token is reused across invocations of a warm container (ms, default 5 min). */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

const key = "herokuToken";

/**
 * Middy middleware: fetches the platform token before the handler runs, once per cold
 * start and again after `maxAgeMs` (so a rotated secret is picked up), and puts it on the
 * context. Registered after input validation, so a bad payload never costs an SSM call.
 */
export function platformToken(options: TokenMiddlewareOptions): MiddlewareObj<unknown, unknown, Error, Context> {
  const maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let cached: { value: string; at: number } | undefined;
  const before: MiddlewareObj<unknown, unknown, Error, Context>["before"] = async (request) => {
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
    Object.assign(request.context, { [key]: cached.value });
  };
  return { before };
}

/** The token the middleware put on the context. */
export function tokenFrom(context: Context): string {
  const value: unknown = (context as unknown as Record<string, unknown>)[key];
  if (typeof value !== "string") throw new SecretUnavailableError("no Heroku API token on the context: is the platformToken middleware registered?");
  return value;
}
