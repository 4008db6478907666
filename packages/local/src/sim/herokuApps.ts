/** Heroku app resources: list (paged), info, create, delete. */
import { HerokuError } from "./errors.js";
import { isRecord, jsonReply, parseJson, type Reply } from "./http.js";
import { paginate, parseRange } from "./herokuRange.js";
import { herokuTime, type HerokuApp } from "./state.js";
import type { World } from "./world.js";

const NAME = /^[a-z][a-z0-9-]{0,28}[a-z0-9]$/;

export function renderApp(app: HerokuApp): Record<string, unknown> {
  return {
    id: app.id,
    name: app.name,
    created_at: app.created_at,
    updated_at: app.updated_at,
    released_at: app.updated_at,
    maintenance: app.maintenance,
    acm: false,
    archived_at: null,
    build_stack: { id: "69bee368-352b-4bd0-9b7c-819d860a2588", name: "heroku-24" },
    stack: { id: "69bee368-352b-4bd0-9b7c-819d860a2588", name: "heroku-24" },
    region: { id: "59accabd-516d-4f0e-83e6-6e3757701145", name: "us" },
    owner: { email: "owner@example.com", id: "0d1b4e34-8b65-4a2a-9f2e-3c6f1b1a9e11" },
    organization: null,
    team: null,
    space: null,
    git_url: `https://git.heroku.com/${app.name}.git`,
    web_url: `https://${app.name}.herokuapp.com/`,
  };
}

function appNotFound(): HerokuError {
  return new HerokuError(404, "not_found", "Couldn't find that app.");
}

export function findApp(world: World, idOrName: string): HerokuApp {
  const byId = world.state.herokuApps.get(idOrName);
  if (byId !== undefined) return byId;
  for (const app of world.state.herokuApps.values()) if (app.name === idOrName) return app;
  throw appNotFound();
}

export function listApps(world: World, range: string | undefined): Reply {
  const spec = parseRange(range);
  const { items, nextRange } = paginate([...world.state.herokuApps.values()], spec);
  const first = items[0];
  const last = items[items.length - 1];
  const headers: Record<string, string> = { "accept-ranges": "id, name" };
  if (first !== undefined && last !== undefined) headers["content-range"] = `${spec.field} ${first[spec.field]}..${last[spec.field]}`;
  if (nextRange !== undefined) headers["next-range"] = nextRange;
  return jsonReply(nextRange === undefined ? 200 : 206, items.map(renderApp), headers);
}

export function createApp(world: World, body: string, now: number): Reply {
  const parsed = body.trim() === "" ? { ok: true as const, value: {} } : parseJson(body);
  if (!parsed.ok || !isRecord(parsed.value)) throw new HerokuError(400, "bad_request", "Invalid JSON body.");
  const requested = parsed.value["name"];
  if (requested !== undefined && typeof requested !== "string") throw new HerokuError(422, "invalid_params", "Name must be a string.");
  const name = requested ?? `app-${world.ids.hex(10)}`;
  if (!NAME.test(name)) {
    throw new HerokuError(422, "invalid_params", "Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes.");
  }
  if ([...world.state.herokuApps.values()].some((a) => a.name === name)) throw new HerokuError(422, "invalid_params", "Name is already taken");
  const stamp = herokuTime(world.clock.iso(now));
  const app: HerokuApp = { id: world.ids.uuid(), name, created_at: stamp, updated_at: stamp, maintenance: false };
  world.state.herokuApps.set(app.id, app);
  return jsonReply(201, renderApp(app));
}

export function deleteApp(world: World, idOrName: string, now: number): Reply {
  const app = findApp(world, idOrName);
  if (app.deletingUntil !== undefined) throw new HerokuError(403, "forbidden", "This app is already being deleted.");
  const seconds = world.config.herokuDeleteSeconds;
  if (seconds <= 0) world.state.herokuApps.delete(app.id);
  else {
    app.deletingUntil = now + seconds;
    world.schedule(now + seconds, { service: "heroku", action: "AppDeleted", params: { id: app.id, name: app.name } }, () => {
      return world.state.herokuApps.delete(app.id);
    });
  }
  return jsonReply(200, renderApp(app));
}
