/** The Heroku Platform API's address; the one default for every caller (Lambdas, CLI, teardowns). */
export const herokuApiUrl = "https://api.heroku.com";

/** One request to the Platform API, as data: what is sent, without sending it. */
export interface HerokuRequest {
  readonly method: "GET" | "DELETE";
  /** Relative to the base URL, e.g. /apps/{id}. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

function headers(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    accept: "application/vnd.heroku+json; version=3",
    authorization: `Bearer ${token}`,
    "user-agent": "scythe-reaper",
    ...extra,
  };
}

/** Every request the Heroku adapter sends, built by pure functions. */
export const herokuRequests = {
  /** One page of GET /apps; `range` is Heroku's Range header ("id ..; max=1000", then each Next-Range). */
  listApps: (token: string, range: string): HerokuRequest => ({ method: "GET", path: "/apps", headers: headers(token, { range }) }),
  /** Deletes by id, so a recycled name never takes a new app with it. */
  deleteApp: (token: string, appId: string): HerokuRequest => ({ method: "DELETE", path: `/apps/${encodeURIComponent(appId)}`, headers: headers(token) }),
};
