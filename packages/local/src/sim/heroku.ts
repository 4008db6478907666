/**
 * Heroku Platform API subset under /heroku: bearer auth, a per-token request budget
 * (RateLimit-Remaining on every answer, 429 when spent), then the app routes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { runCall } from "./calls.js";
import { HerokuError, herokuIdForStatus, herokuStatusForId, type SimError } from "./errors.js";
import { createApp, deleteApp, findApp, listApps, renderApp } from "./herokuApps.js";
import { header, jsonReply, type Reply } from "./http.js";
import type { World } from "./world.js";

interface Route {
  action: string;
  aliases: string[];
  run: (now: number) => Reply;
}

function route(world: World, method: string, path: string, req: IncomingMessage, body: string): Route | undefined {
  const one = /^\/apps\/([^/]+)$/.exec(path);
  const target = one?.[1] === undefined ? undefined : decodeURIComponent(one[1]);
  if (path === "/apps" && method === "GET") return { action: "GET /apps", aliases: [], run: () => listApps(world, header(req, "range")) };
  if (path === "/apps" && method === "POST") return { action: "POST /apps", aliases: [], run: (now) => createApp(world, body, now) };
  if (target !== undefined && method === "GET") {
    return { action: "GET /apps/{app}", aliases: [], run: () => jsonReply(200, renderApp(findApp(world, target))) };
  }
  if (target !== undefined && method === "DELETE") {
    return { action: "DELETE /apps", aliases: ["DELETE /apps/{app}"], run: (now) => deleteApp(world, target, now) };
  }
  return undefined;
}

function renderError(requestId: string): (error: SimError) => Reply {
  return (error) => jsonReply(error.status, { id: error.code, message: error.message }, { "request-id": requestId });
}

export async function handleHeroku(world: World, req: IncomingMessage, res: ServerResponse, path: string, body: string): Promise<void> {
  const method = req.method ?? "GET";
  const token = /^Bearer\s+(\S+)$/i.exec(header(req, "authorization") ?? "")?.[1];
  const authorized = token === world.herokuToken;
  const budget = world.rateLimiter.take(authorized ? `token:${world.herokuToken}` : "anonymous", world.sync(), world.config.herokuRateLimit);
  const found = route(world, method, path, req, body);
  const requestId = world.ids.uuid();
  await runCall(world, req, res, {
    service: "heroku",
    action: found?.action ?? `${method} ${path}`,
    aliases: found?.aliases ?? [],
    params: { method, path, ...(header(req, "range") !== undefined ? { range: header(req, "range") } : {}), ...(body !== "" ? { body } : {}) },
    // Date on the simulator's clock, the one that stamps created_at: the reaper reads ages off it.
    // (AWS answers keep the host's Date: the AWS SDK would take simulated time for clock skew.)
    extraHeaders: (now) => ({ "ratelimit-remaining": String(budget.remaining), "request-id": requestId, date: world.clock.httpDate(now) }),
    renderError: renderError(requestId),
    faultError: (fault) => {
      const status = fault.status ?? (fault.error === undefined ? 500 : herokuStatusForId(fault.error));
      return new HerokuError(status, fault.error ?? herokuIdForStatus(status), fault.message ?? "Injected fault.");
    },
    execute: (ctx) => {
      if (!authorized) throw new HerokuError(401, "unauthorized", "Invalid credentials provided.");
      if (!budget.allowed) {
        throw new HerokuError(429, "rate_limit", "Your account reached the API rate limit\nPlease wait a few minutes before making new requests");
      }
      if (found === undefined) {
        throw new HerokuError(404, "not_found", "The requested API endpoint was not found. Are you using the right HTTP verb (i.e. `GET` vs. `POST`)?");
      }
      return found.run(ctx.now);
    },
  });
}
