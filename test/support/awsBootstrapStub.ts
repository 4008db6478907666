import { createServer, type Server } from "node:http";

/**
 * Just enough of STS and CloudFormation on loopback for `sst build` to run offline: the
 * caller's identity, and the CDK and SST bootstrap stacks with their outputs.
 */
export async function startBootstrapStub(sstBootstrapVersion: string): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const params = new URLSearchParams(body);
      res.setHeader("content-type", "text/xml");
      if (params.get("Action") === "GetCallerIdentity") {
        res.end(
          `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>CI</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
        );
        return;
      }
      if (params.get("Action") === "DescribeStacks") {
        const name = params.get("StackName") ?? "";
        const outputs =
          name === "CDKToolkit"
            ? { BootstrapVersion: "20", BucketName: "cdk-assets" }
            : { Version: sstBootstrapVersion, BucketName: "sst-assets" };
        const members = Object.entries(outputs)
          .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
          .join("");
        res.end(
          `<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>${name}</StackName><StackId>${name}</StackId><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2024-01-01T00:00:00Z</CreationTime><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult></DescribeStacksResponse>`,
        );
        return;
      }
      res.statusCode = 400;
      res.end(`<ErrorResponse><Error><Code>InvalidAction</Code><Message>not stubbed</Message></Error></ErrorResponse>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { endpoint: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
