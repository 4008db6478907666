import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { StackContext } from "sst/constructs";
import { operationsSettings } from "./ops/settings.js";
import { isDevelopmentStage } from "./tableProps.js";

/**
 * Where a stage tells its operators something went wrong: the alarm topic people
 * subscribe to, and the dead-letter queue that keeps failed events and stream batches
 * (encrypted, kept 14 days, the SQS maximum) until `scythe dlq` inspects or redrives them.
 * It comes before the job stacks, which send their failures here.
 */
export function Operations({ stack, app }: StackContext) {
  const settings = operationsSettings(app, !isDevelopmentStage(app.stage));
  const alarms = new Topic(stack, "Alarms", { displayName: `Scythe ${app.stage} alarms` });
  if (settings.alarmEmail) alarms.addSubscription(new EmailSubscription(settings.alarmEmail));

  const deadLetters = new Queue(stack, "DeadLetters", {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: settings.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });

  stack.addOutputs({ AlarmTopicArn: alarms.topicArn, DeadLetterQueueUrl: deadLetters.queueUrl });
  return { alarms, deadLetters, settings };
}
