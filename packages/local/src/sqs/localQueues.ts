import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

interface Message { id: string; body: string; receipt?: string; visibleAt: number; receives: number; sentAt: number }

/**
 * A tiny SQS (the JSON 1.0 protocol the SDK v3 client speaks: SendMessage, ReceiveMessage,
 * DeleteMessage, ChangeMessageVisibility, GetQueueAttributes) and a Lambda Invoke endpoint
 * that records what it is asked to run, so `scythe dlq` is exercised end to end through
 * the real clients. Queues are made on first use; nothing persists.
 */
export async function startLocalQueues(options: { port?: number } = {}) {
  const queues = new Map<string, Message[]>();
  const invocations: { functionName: string; invocationType: string; payload: unknown }[] = [];
  const queueOf = (url: string) => {
    const name = url.split("/").pop() ?? url;
    const found = queues.get(name) ?? [];
    queues.set(name, found);
    return found;
  };

  const sqs = (action: string, input: Record<string, unknown>): unknown => {
    const queue = queueOf(String(input.QueueUrl ?? ""));
    const now = Date.now();
    switch (action) {
      case "SendMessage": {
        const id = randomUUID();
        queue.push({ id, body: String(input.MessageBody), visibleAt: now, receives: 0, sentAt: now });
        // The SDK checks each body against its MD5, as SQS sends it.
        return { MessageId: id, MD5OfMessageBody: md5(String(input.MessageBody)) };
      }
      case "ReceiveMessage": {
        const max = Number(input.MaxNumberOfMessages ?? 1);
        const visibility = Number(input.VisibilityTimeout ?? 30);
        const got = queue.filter((m) => m.visibleAt <= now).slice(0, max);
        for (const m of got) {
          m.receipt = randomUUID();
          m.receives += 1;
          m.visibleAt = now + visibility * 1000;
        }
        return {
          Messages: got.map((m) => ({
            MessageId: m.id, ReceiptHandle: m.receipt, Body: m.body, MD5OfBody: md5(m.body),
            Attributes: { ApproximateReceiveCount: String(m.receives), SentTimestamp: String(m.sentAt) },
          })),
        };
      }
      case "DeleteMessage": {
        const i = queue.findIndex((m) => m.receipt === input.ReceiptHandle);
        if (i >= 0) queue.splice(i, 1);
        return {};
      }
      case "ChangeMessageVisibility": {
        const m = queue.find((x) => x.receipt === input.ReceiptHandle);
        if (m) m.visibleAt = now + Number(input.VisibilityTimeout ?? 0) * 1000;
        return {};
      }
      case "GetQueueAttributes":
        return { Attributes: { ApproximateNumberOfMessages: String(queue.filter((m) => m.visibleAt <= now).length), ApproximateNumberOfMessagesNotVisible: String(queue.filter((m) => m.visibleAt > now).length) } };
      default:
        throw Object.assign(new Error(`${action} is not simulated`), { code: "UnsupportedOperation" });
    }
  };

  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => resolve(body));
      req.on("error", reject);
    });

  const server: Server = createServer((req, res) => {
    void read(req).then((body) => {
      const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? "");
      if (invoke?.[1]) {
        const invocationType = String(req.headers["x-amz-invocation-type"] ?? "RequestResponse");
        invocations.push({ functionName: decodeURIComponent(invoke[1]), invocationType, payload: body ? (JSON.parse(body) as unknown) : null });
        res.writeHead(invocationType === "Event" ? 202 : 200, { "content-type": "application/json" }).end(invocationType === "Event" ? "" : "null");
        return;
      }
      const target = String(req.headers["x-amz-target"] ?? "");
      try {
        const out = sqs(target.replace(/^AmazonSQS\./, ""), body ? (JSON.parse(body) as Record<string, unknown>) : {});
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify(out));
      } catch (error) {
        res.writeHead(400, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify({ __type: "com.amazonaws.sqs#UnsupportedOperation", message: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = server.address();
  const endpoint = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    endpoint,
    queueUrl: (name: string) => `${endpoint}/000000000000/${name}`,
    /** Messages in a queue, visible or not. */
    depth: (name: string) => queueOf(name).length,
    invocations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
