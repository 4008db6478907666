import { Command } from "commander";
import { action } from "../run.js";

function deployReportCommand(): Command {
  return new Command("report")
    .description("write a finished or running rollout's timeline to a self-contained HTML file")
    .argument("<execution>", "the execution's ARN (or its name)")
    .option("--out <file>", "where to write the page (default scythe-deploy-<execution name>.html)")
    .option("--state-machine <arn>", "deployed stage: resolves an execution name (default $SCYTHE_DEPLOY_STATE_MACHINE_ARN)")
    .action(action(async () => (await import("../actions/deployReport.js")).deployReport));
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function deployCommand(): Command {
  return new Command("deploy")
    .description("rolling deploy of one OpsWorks layer or of EC2 instances behind target groups: detach (never the last in service), deploy, reattach, one batch at a time, under a lock")
    .option("--stack <id>", "OpsWorks stack id (required for OpsWorks)")
    .option("--layer <id>", "OpsWorks layer id (required for OpsWorks)")
    .option("--app <id>", "OpsWorks app id (required for OpsWorks)")
    .option("--asg <name>", "EC2: the running instances of this Auto Scaling group")
    .option("--instances <tags>", "EC2: the running instances carrying these tags, e.g. tag:Role=web or tag:Role=web,tag:Env=prod")
    .option("--document <name>", "EC2: the SSM document to run (default AWS-RunShellScript, with --command)")
    .option("--command <shell>", "EC2: a shell command AWS-RunShellScript runs on each instance (repeatable, in order)", collect)
    .option("--parameter <name=value>", "EC2: a parameter of a named --document (repeatable; a name given twice is a list)", collect)
    .option("--batch <n>", "instances deployed at once (default 1)")
    .option("--deploy-timeout <duration>", "how long one deployment may run (default 30m)")
    .option("--lock-wait <duration>", "how long to wait for another deploy to finish (default 15m)")
    .option("--heartbeat <duration>", "how long a deployment is awaited without an event before one direct check (default 2m, 10s to 29m 55s; the lock's lease is lengthened to match)")
    .option("--lock-scope <scope>", "one deploy at a time per `stack` (default) or `global`")
    .option("--no-migrate", "deploy without running migrations")
    .option("--comment <text>", "comment recorded on each deployment")
    .option("--follow", "print each instance's progress as it happens")
    .option("--poll <duration>", "local world: how long each Wait state lasts", "100ms")
    .option("--state-machine <arn>", "deployed stage: the state machine to start (default $SCYTHE_DEPLOY_STATE_MACHINE_ARN)")
    .option("--dry-run", "show the batches and what each instance would leave, changing nothing")
    .option("--report <file>", "when the rollout ends, write its timeline to this HTML file (self-contained)")
    .addCommand(deployReportCommand())
    .action(action(async () => (await import("../actions/deploy.js")).deploy));
}
