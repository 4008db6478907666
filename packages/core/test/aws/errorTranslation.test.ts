import { AccessPointNotFoundException, DescribeLoadBalancersCommand, ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { DeleteInstanceCommand, DescribeInstancesCommand, OpsWorksClient, ResourceNotFoundException } from "@aws-sdk/client-opsworks";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { ClassicElbInventory } from "../../src/aws/elb/ClassicElbInventory.js";
import { OpsWorksStacks } from "../../src/aws/opsworks/OpsWorksStacks.js";
import { throttlingErrorNames, translateSdkError } from "../../src/aws/sdkErrors.js";
import { CloudError, CloudRequestError, CloudResourceNotFoundError, CloudUnavailableError, ThrottledError } from "../../src/errors.js";
import { OpsWorksInstanceBlueprint } from "../../src/leases/blueprints/opsworksInstanceBlueprint.js";
import { PermanentDestroyError, TransientDestroyError } from "../../src/leases/errors.js";
import type { ResourceRecord } from "../../src/registry/records.js";
import { elbFailure, networkFailure, offline, opsworksFailure } from "./support.js";

const opsworksClient = new OpsWorksClient(offline);
const opsworks = mockClient(opsworksClient);
const elbClient = new ElasticLoadBalancingClient(offline);
const elb = mockClient(elbClient);
afterEach(() => {
  opsworks.reset();
  elb.reset();
});

type CloudErrorClass = new (...args: never[]) => CloudError;
type Expected = "gone" | { readonly error: CloudErrorClass; readonly retryable: boolean };
const retry = (error: CloudErrorClass): Expected => ({ error, retryable: true });
const final = (error: CloudErrorClass): Expected => ({ error, retryable: false });

/** One row per kind of answer: what the SDK throws, and what Scythe must make of it. */
const opsworksRows: [string, () => unknown, Expected][] = [
  ["ResourceNotFoundException (absence proven)", () => new ResourceNotFoundException({ message: "Unable to find instance", $metadata: { httpStatusCode: 400 } }), "gone"],
  ["ThrottlingException 400", () => opsworksFailure("ThrottlingException", 400), retry(ThrottledError)],
  ["TooManyRequestsException 429", () => opsworksFailure("TooManyRequestsException", 429), retry(ThrottledError)],
  ["an unnamed 429", () => opsworksFailure("SomethingNew", 429), retry(ThrottledError)],
  ["InternalFailure 500", () => opsworksFailure("InternalFailure", 500), retry(CloudUnavailableError)],
  ["ServiceUnavailable 503", () => opsworksFailure("ServiceUnavailable", 503), retry(CloudUnavailableError)],
  ["no answer (connection refused)", networkFailure, retry(CloudUnavailableError)],
  ["AccessDeniedException 403 (not gone)", () => opsworksFailure("AccessDeniedException", 403), final(CloudRequestError)],
  ["ValidationException 400", () => opsworksFailure("ValidationException", 400), final(CloudRequestError)],
  ["an unknown 400", () => opsworksFailure("SomethingNew", 400), final(CloudRequestError)],
];

const elbRows: [string, () => unknown, Expected][] = [
  ["LoadBalancerNotFound (absence proven)", () => new AccessPointNotFoundException({ message: "There is no ACTIVE Load Balancer", $metadata: { httpStatusCode: 400 } }), "gone"],
  ["Throttling 400", () => elbFailure("Throttling", 400), retry(ThrottledError)],
  ["RequestLimitExceeded 503", () => elbFailure("RequestLimitExceeded", 503), retry(ThrottledError)],
  ["ServiceUnavailable 503", () => elbFailure("ServiceUnavailable", 503), retry(CloudUnavailableError)],
  ["no answer (connection refused)", networkFailure, retry(CloudUnavailableError)],
  ["AccessDenied 403 (not gone)", () => elbFailure("AccessDenied", 403), final(CloudRequestError)],
  ["InvalidEndPoint on a describe (not proof the load balancer is gone)", () => elbFailure("InvalidEndPointException", 400), final(CloudRequestError)],
  ["an unknown 400", () => elbFailure("SomethingNew", 400), final(CloudRequestError)],
];

describe("Function: translateSdkError (the one translation of OpsWorks and classic ELB failures)", () => {
  describe.each(opsworksRows)("OpsWorks DeleteInstance answering %s", (_, failure, expected) => {
    it(expected === "gone" ? "counts as gone" : `is ${expected.error.name}, retryable ${String(expected.retryable)}`, async () => {
      opsworks.on(DeleteInstanceCommand).rejects(failure() as Error);
      const outcome = new OpsWorksStacks(opsworksClient).delete("i-1");
      if (expected === "gone") return expect(await outcome).toBe("already-gone");
      const error = await outcome.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(expected.error);
      expect(error).toMatchObject({ retryable: expected.retryable });
      expect((error as Error).message).toMatch(/^DeleteInstance\(i-1\) failed \(/);
    });
  });

  describe.each(elbRows)("classic ELB DescribeLoadBalancers (before a delete) answering %s", (_, failure, expected) => {
    it(expected === "gone" ? "counts as gone" : `is ${expected.error.name}, retryable ${String(expected.retryable)}`, async () => {
      elb.on(DescribeLoadBalancersCommand).rejects(failure() as Error);
      const outcome = new ClassicElbInventory(elbClient).remove({ kind: "loadBalancer", name: "lb-1", id: "lb-1" });
      if (expected === "gone") return expect(await outcome).toBe("already-gone");
      const error = await outcome.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(expected.error);
      expect(error).toMatchObject({ retryable: expected.retryable });
    });
  });

  it("not found only for the names the caller says prove absence", () => {
    const rnf = new ResourceNotFoundException({ message: "x", $metadata: { httpStatusCode: 400 } });
    expect(translateSdkError("Op", rnf)).toBeInstanceOf(CloudRequestError);
    expect(translateSdkError("Op", rnf, new Set(["ResourceNotFoundException"]))).toBeInstanceOf(CloudResourceNotFoundError);
    expect(translateSdkError("Op", "a string")).toBeInstanceOf(CloudUnavailableError);
  });

  it("keeps the SDK's error as the cause", () => {
    const sdk = opsworksFailure("ThrottlingException", 400);
    expect(translateSdkError("Op", sdk).cause).toBe(sdk);
  });

  it("has one list of throttling names, covering both clients' words", () => {
    for (const name of ["Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"]) expect(throttlingErrorNames.has(name)).toBe(true);
  });
});

describe("Class: OpsWorksInstanceBlueprint over the translation", () => {
  const record: ResourceRecord = { id: "r-1", kind: "host", blueprint: "opsworks-instance", attributes: { instanceId: "i-1" }, status: "released", version: 1, createdAt: 0, updatedAt: 0, leaseIds: [], references: [] };
  const blueprint = () => new OpsWorksInstanceBlueprint({ instances: new OpsWorksStacks(opsworksClient) });

  it.each([
    ["TooManyRequestsException 429", () => opsworksFailure("TooManyRequestsException", 429)],
    ["ThrottledException 400", () => opsworksFailure("ThrottledException", 400)],
    ["InternalFailure 500", () => opsworksFailure("InternalFailure", 500)],
  ])("a retryable failure (%s) is a temporary teardown failure", async (_, failure) => {
    opsworks.on(DescribeInstancesCommand).rejects(failure());
    await expect(blueprint().destroy(record)).rejects.toBeInstanceOf(TransientDestroyError);
  });

  it("a refused request (403) is permanent, and never gone", async () => {
    opsworks.on(DescribeInstancesCommand).resolves({ Instances: [{ InstanceId: "i-1", Status: "stopped" }] });
    opsworks.on(DeleteInstanceCommand).rejects(opsworksFailure("AccessDeniedException", 403));
    await expect(blueprint().destroy(record)).rejects.toBeInstanceOf(PermanentDestroyError);
  });
});
