import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { CfnEventSourceMapping, EventSourceMapping } from "aws-cdk-lib/aws-lambda";
import { SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Function } from "sst/constructs";

/**
 * Sends what a function finally fails on to the stage's dead-letter queue: an
 * asynchronous invocation (a schedule, a rule, `--invocation-type Event`) once Lambda's
 * own retries are spent, and a stream batch once its mapping's retries are spent (which
 * would otherwise be dropped silently). Every function gets the asynchronous one: any
 * of them can be invoked asynchronously by an operator.
 */
export function sendFailuresTo(queue: IQueue, functions: readonly Function[]): void {
  for (const fn of functions) {
    fn.configureAsyncInvoke({ onFailure: new SqsDestination(queue), retryAttempts: 2 });
    for (const mapping of fn.node.findAll().filter((c): c is EventSourceMapping => c instanceof EventSourceMapping)) {
      const cfn = mapping.node.defaultChild as CfnEventSourceMapping;
      // Only stream mappings take an on-failure destination (they have a starting position); an SQS source redrives through its own queue's policy.
      if (cfn.startingPosition === undefined) continue;
      cfn.destinationConfig = { onFailure: { destination: new SqsDlq(queue).bind(mapping, fn).destination } };
    }
  }
}
