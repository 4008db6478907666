/** The simulator's single HTTP server: /_sim/ control, /heroku/ Platform API, POST / for AWS. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleElb, handleOpsWorks } from "./aws.js";
import { handleControl } from "./controlRoutes.js";
import { ec2Service, EC2_VERSION } from "./ec2.js";
import { elbv2Service, ELBV2_VERSION } from "./elbv2.js";
import { handleHeroku } from "./heroku.js";
import { BodyTooLarge, header, jsonReply, readBody, send } from "./http.js";
import { handleQueryService, queryVersion } from "./queryService.js";
import { handleSsm, isSsmTarget } from "./ssm.js";
import type { World } from "./world.js";

async function dispatch(world: World, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://sim.invalid");
  const body = await readBody(req);
  const path = url.pathname;
  if (path === "/_sim" || path.startsWith("/_sim/")) {
    send(res, handleControl(world, req, url, body));
    return;
  }
  if (path === "/heroku" || path.startsWith("/heroku/")) {
    await handleHeroku(world, req, res, path.slice("/heroku".length) || "/", body);
    return;
  }
  if (path === "/" && req.method === "POST") {
    const target = header(req, "x-amz-target");
    const version = target === undefined ? queryVersion(body) : undefined;
    if (target !== undefined && isSsmTarget(target)) await handleSsm(world, req, res, body, target);
    else if (target !== undefined) await handleOpsWorks(world, req, res, body, target);
    else if (version === EC2_VERSION) await handleQueryService(ec2Service, world, req, res, body);
    else if (version === ELBV2_VERSION) await handleQueryService(elbv2Service, world, req, res, body);
    else await handleElb(world, req, res, body);
    return;
  }
  send(res, jsonReply(404, { error: `nothing at ${req.method ?? "GET"} ${path}` }));
}

export function createSimServer(world: World): Server {
  return createServer((req, res) => {
    dispatch(world, req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const status = error instanceof BodyTooLarge ? 413 : 500;
      send(res, jsonReply(status, { error: error instanceof Error ? error.message : String(error) }));
    });
  });
}

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("simulator did not bind a TCP port"));
      else resolve(address);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
