import { GetParametersCommand, SSMClient, type GetParametersCommandOutput } from "@aws-sdk/client-ssm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ValidationError } from "@scythe/core/errors";
import { tokenSource } from "../../src/shared/herokuTokenSource.js";
import { SecretUnavailableError } from "../../src/shared/herokuToken.js";

/** Adapter unit test with the SSM client's send mocked (the deployed path cannot run locally). */
const sent: GetParametersCommand[] = [];
function answer(output: Partial<GetParametersCommandOutput>) {
  vi.spyOn(SSMClient.prototype, "send").mockImplementation(async (command: unknown) => {
    if (!(command instanceof GetParametersCommand)) throw new Error("unexpected SSM command");
    sent.push(command);
    return output as never;
  });
}
afterEach(() => {
  vi.restoreAllMocks();
  sent.length = 0;
});

const bound = (prefix: string) => ({ SST_Secret_value_HerokuToken: "__FETCH_FROM_SSM__", SST_SSM_PREFIX: prefix, SST_APP: "scythe" });

describe("Function: tokenSource", () => {
  it("uses HEROKU_API_TOKEN when set (the local world)", async () => {
    await expect(tokenSource({ HEROKU_API_TOKEN: "local" })()).resolves.toBe("local");
    expect(sent).toHaveLength(0);
  });

  it("refuses a function with neither, naming HEROKU_API_TOKEN", () => {
    expect(() => tokenSource({})).toThrow(ValidationError);
    expect(() => tokenSource({})).toThrow(/HEROKU_API_TOKEN/);
  });

  it("reads the bound SST secret from SSM, decrypted, in one GetParameters call", async () => {
    answer({ Parameters: [{ Name: "/sst/scythe/prod/Secret/HerokuToken/value", Value: "from-ssm" }], InvalidParameters: ["/sst/scythe/.fallback/Secret/HerokuToken/value"] });
    await expect(tokenSource(bound("/sst/scythe/prod/"))()).resolves.toBe("from-ssm");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.input).toMatchObject({ WithDecryption: true });
    expect(sent[0]?.input.Names?.sort()).toEqual(["/sst/scythe/.fallback/Secret/HerokuToken/value", "/sst/scythe/prod/Secret/HerokuToken/value"]);
  });

  it("falls back to the app-wide value, and says how to set it when there is none", async () => {
    answer({ Parameters: [{ Name: "/sst/scythe/.fallback/Secret/HerokuToken/value", Value: "fallback" }], InvalidParameters: ["/sst/scythe/pr-1/Secret/HerokuToken/value"] });
    await expect(tokenSource(bound("/sst/scythe/pr-1/"))()).resolves.toBe("fallback");
    vi.restoreAllMocks();
    answer({ Parameters: [], InvalidParameters: ["/sst/scythe/pr-2/Secret/HerokuToken/value", "/sst/scythe/.fallback/Secret/HerokuToken/value"] });
    const error = await tokenSource({ ...bound("/sst/scythe/pr-2/"), SST_APP: "other" })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toMatch(/npx sst secrets set HerokuToken/);
  });
});
