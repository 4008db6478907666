import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from "@aws-sdk/client-sfn";
import type { TaskCallbacks } from "../../deploy/taskWaits.js";
import { translateSdkError } from "../sdkErrors.js";

/** Answers that say the token no longer names a waiting task: finished, timed out, or never was. */
const staleToken: ReadonlySet<string> = new Set(["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"]);

/** Step Functions' error and cause fields are capped (256 and 32,768 characters). */
const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);

export const sfnRequests = {
  succeed: (taskToken: string, output: unknown) => ({ taskToken, output: JSON.stringify(output ?? null) }),
  fail: (taskToken: string, error: string, cause: string) => ({ taskToken, error: clip(error, 256), cause: clip(cause, 32_768) }),
};

/** SendTaskSuccess / SendTaskFailure over the SDK; a token that no task waits on any more is "stale", not an error. */
export class StepFunctionsCallbacks implements TaskCallbacks {
  constructor(private readonly client: SFNClient) {}

  async succeed(token: string, output: unknown): Promise<"sent" | "stale"> {
    return this.call("SendTaskSuccess", () => this.client.send(new SendTaskSuccessCommand(sfnRequests.succeed(token, output))));
  }

  async fail(token: string, error: string, cause: string): Promise<"sent" | "stale"> {
    return this.call("SendTaskFailure", () => this.client.send(new SendTaskFailureCommand(sfnRequests.fail(token, error, cause))));
  }

  private async call(what: string, send: () => Promise<unknown>): Promise<"sent" | "stale"> {
    try {
      await send();
      return "sent";
    } catch (error) {
      if (error instanceof Error && staleToken.has(error.name)) return "stale";
      throw translateSdkError(what, error);
    }
  }
}
