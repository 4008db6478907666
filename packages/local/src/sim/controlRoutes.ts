/** The control API under /_sim/: seed, reset, state, config, faults, events, violations, clock. */
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { applyConfigPatch } from "./config.js";
import { jsonReply, parseJson, type Reply } from "./http.js";
import { ConfigPatchSchema, FaultBodySchema, SeedSchema } from "./schemas.js";
import { setTargetsFailing } from "./elbv2.js";
import { applySeed, SeedError } from "./seed.js";
import { failInvocations } from "./ssm.js";
import { clockInfo, snapshot } from "./snapshot.js";
import type { World } from "./world.js";

const AdvanceSchema = z.strictObject({ seconds: z.number().min(0).max(10_000_000) });
const SsmFailSchema = z.strictObject({ instanceIds: z.array(z.string().min(1)).min(1), times: z.number().int().min(1).max(1_000_000).optional() });
const TargetHealthSchema = z.strictObject({ instanceIds: z.array(z.string().min(1)).min(1), healthy: z.boolean() });

function bad(message: string): Reply {
  return jsonReply(400, { error: message });
}

function body<T>(schema: z.ZodType<T>, text: string): { ok: true; value: T } | { ok: false; reply: Reply } {
  const json = text.trim() === "" ? { ok: true as const, value: {} } : parseJson(text);
  if (!json.ok) return { ok: false, reply: bad("malformed JSON body") };
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) return { ok: false, reply: bad(z.prettifyError(parsed.error)) };
  return { ok: true, value: parsed.data };
}

function eventsReply(world: World, url: URL): Reply {
  const sinceText = url.searchParams.get("since");
  const since = sinceText === null ? 0 : Number(sinceText);
  if (!Number.isInteger(since) || since < 0) return bad("since must be a non-negative integer");
  world.sync();
  const lines = world.events.since(since).map((e) => JSON.stringify(e));
  return { status: 200, headers: { "content-type": "application/x-ndjson" }, body: lines.length === 0 ? "" : `${lines.join("\n")}\n` };
}

export function handleControl(world: World, req: IncomingMessage, url: URL, text: string): Reply {
  const route = `${req.method ?? "GET"} ${url.pathname.replace(/\/+$/, "")}`;
  switch (route) {
    case "POST /_sim/seed": {
      const seed = body(SeedSchema, text);
      if (!seed.ok) return seed.reply;
      try {
        return jsonReply(200, applySeed(world, seed.value));
      } catch (error) {
        if (error instanceof SeedError) return bad(error.message);
        throw error;
      }
    }
    case "POST /_sim/reset":
      world.reset();
      return jsonReply(200, { ok: true });
    case "GET /_sim/state":
      return jsonReply(200, snapshot(world));
    case "GET /_sim/config":
      return jsonReply(200, world.config);
    case "POST /_sim/config": {
      const patch = body(ConfigPatchSchema, text);
      if (!patch.ok) return patch.reply;
      world.sync();
      for (const [name, seconds] of Object.entries(patch.value.drainSeconds ?? {})) {
        const lb = world.state.loadBalancers.get(name);
        if (lb === undefined) return bad(`unknown load balancer ${name}`);
        lb.drainSeconds = seconds;
      }
      if (patch.value.timeScale !== undefined) world.setTimeScale(patch.value.timeScale);
      world.config = applyConfigPatch(world.config, patch.value);
      return jsonReply(200, world.config);
    }
    case "GET /_sim/faults":
      return jsonReply(200, { faults: world.faults.list() });
    case "POST /_sim/faults": {
      const faults = body(FaultBodySchema, text);
      if (!faults.ok) return faults.reply;
      const specs = "faults" in faults.value ? faults.value.faults : [faults.value];
      return jsonReply(200, { ids: specs.map((s) => world.faults.add(s)) });
    }
    case "DELETE /_sim/faults":
      world.faults.clear();
      return jsonReply(200, { ok: true });
    case "GET /_sim/events":
      return eventsReply(world, url);
    case "GET /_sim/events/last":
      world.sync();
      return jsonReply(200, { seq: world.events.lastSeq });
    case "GET /_sim/violations":
      world.sync();
      return jsonReply(200, { violations: world.detector.list() });
    case "POST /_sim/targets/health": {
      const patch = body(TargetHealthSchema, text);
      if (!patch.ok) return patch.reply;
      setTargetsFailing(world, patch.value.instanceIds, !patch.value.healthy);
      return jsonReply(200, { ok: true });
    }
    case "POST /_sim/ssm/failures": {
      const fail = body(SsmFailSchema, text);
      if (!fail.ok) return fail.reply;
      failInvocations(world, fail.value.instanceIds, fail.value.times ?? 1);
      return jsonReply(200, { ok: true });
    }
    case "GET /_sim/clock":
      return jsonReply(200, clockInfo(world, world.sync()));
    case "POST /_sim/clock/advance": {
      const advance = body(AdvanceSchema, text);
      if (!advance.ok) return advance.reply;
      return jsonReply(200, clockInfo(world, world.advance(advance.value.seconds)));
    }
    default:
      return jsonReply(404, { error: `no control route ${route}` });
  }
}
