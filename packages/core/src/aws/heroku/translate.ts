import * as z from "zod";
import type { DeleteOutcome, PlatformApp } from "../../ports/AppPlatform.js";
import { PlatformError, PlatformUnavailableError, RateLimitedError } from "../../ports/platformErrors.js";

/** An answer as the adapter saw it: status, parsed JSON body (if any) and the headers it needs. */
export interface HerokuAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly requestId?: string;
}

const errorBody = z.object({ id: z.string().optional(), message: z.string().optional() });

const appBody = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  created_at: z.string().refine((text) => Number.isFinite(Date.parse(text)), "is not a date"),
  maintenance: z.boolean().optional(),
});

/** Heroku's words for a delete of an app that no longer exists (Hatchet matches the same text). */
const appNotFound = /couldn't find that app/i;

/** 429 and 5xx are worth repeating; everything else is final. */
export function isRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * The one place where Heroku's HTTP answers become domain outcomes and errors. A 404 is a
 * conflict only when it says the app was not found; any other 404 (a wrong URL) is an error,
 * so no strategy can loop on it. A 403 is what Heroku answers to a delete racing another.
 */
export function deleteOutcome(answer: HerokuAnswer, afterLostAnswer: boolean): DeleteOutcome {
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: "deleted" };
  const error = errorBody.safeParse(answer.body);
  const message = error.success ? (error.data.message ?? "") : "";
  if (status === 404 && error.success && error.data.id === "not_found" && appNotFound.test(message)) {
    return { kind: "gone", status, detail: message, afterLostAnswer };
  }
  if (status === 403) return { kind: "gone", status, detail: message || "forbidden (another delete is under way)", afterLostAnswer };
  throw failure(answer, "DELETE /apps/{id}");
}

/** The error for an answer that is not a success, for `what` (e.g. "GET /apps"). */
export function failure(answer: HerokuAnswer, what: string): PlatformError {
  const parsed = errorBody.safeParse(answer.body);
  const code = parsed.success ? parsed.data.id : undefined;
  const message = parsed.success && parsed.data.message ? parsed.data.message : "no error message";
  const details = { status: answer.status, code, requestId: answer.requestId };
  const text = `${what} answered ${answer.status}${code ? ` ${code}` : ""}: ${message}`;
  if (answer.status === 429) return new RateLimitedError(`${text} (still rate limited after the retries)`, details);
  if (answer.status >= 500) return new PlatformUnavailableError(text, details);
  if (answer.status === 404) return new PlatformError(`${text} (not an "app not found", so not treated as already deleted)`, details);
  return new PlatformError(text, details);
}

/** One page of GET /apps as domain apps; a malformed body is an error, not an empty list. */
export function appsPage(answer: HerokuAnswer): PlatformApp[] {
  const parsed = z.array(appBody).safeParse(answer.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PlatformError(`GET /apps answered an unexpected body (${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"})`, {
      status: answer.status,
      requestId: answer.requestId,
    });
  }
  return parsed.data.map((app) => ({
    id: app.id,
    name: app.name,
    createdAt: Date.parse(app.created_at),
    finished: app.maintenance ?? false,
  }));
}
