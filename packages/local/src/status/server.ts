import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TableNames } from "@scythe/core/schema";
import { closeServer, listen } from "../sim/server.js";
import { SimControl, type SimEvent } from "../sim/index.js";
import { renderStatusMain, renderStatusPage } from "./renderStatus.js";
import { readSnapshot, type EventSource } from "./snapshot.js";

export interface StatusServerOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
  readonly simulator: string;
  readonly port?: number;
  /** A line saying which world this is (endpoints), shown under the heading. */
  readonly description: string;
}

export interface StatusServer {
  readonly url: string;
  close(): Promise<void>;
}

const KEEP = 50_000;

/** The simulator's log, fetched incrementally: each refresh asks only for events newer than the last seen. */
export class IncrementalEvents implements EventSource {
  private cache: SimEvent[] = [];
  private last = 0;
  constructor(private readonly control: SimControl) {}

  async events(): Promise<readonly SimEvent[]> {
    const fresh = await this.control.events(this.last);
    if (fresh.length > 0) {
      this.cache.push(...fresh);
      this.last = fresh[fresh.length - 1]?.seq ?? this.last;
      if (this.cache.length > KEEP) this.cache.splice(0, this.cache.length - KEEP);
    }
    return this.cache;
  }
}

/**
 * `scythe dev`'s status page on its own port (loopback only): `/` the page, `/fragment`
 * its live part, `/api/status` the same data as JSON.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const events = new IncrementalEvents(new SimControl(options.simulator));
  const snapshot = () => readSnapshot({ doc: options.doc, tables: options.tables, simulator: events });
  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store" });
    res.end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://status").pathname;
    if (req.method !== "GET") return send(res, 405, "text/plain", "only GET\n");
    if (path === "/") return send(res, 200, "text/html", renderStatusPage(await snapshot(), { world: options.description }));
    if (path === "/fragment") return send(res, 200, "text/html", renderStatusMain(await snapshot()));
    if (path === "/api/status") return send(res, 200, "application/json", `${JSON.stringify(await snapshot())}\n`);
    return send(res, 404, "text/plain", "not found: try / or /api/status\n");
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Say what failed (DynamoDB Local or the simulator gone), without a stack trace.
      if (!res.headersSent) send(res, 503, "text/plain", `status unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
      else res.end();
    });
  });
  const address = await listen(server, options.port ?? 0, "127.0.0.1");
  return { url: `http://127.0.0.1:${address.port}/`, close: () => closeServer(server) };
}
