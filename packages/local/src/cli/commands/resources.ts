import { Command } from "commander";
import { action } from "../run.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];
const load = () => import("../actions/resources.js");

export function resourcesCommand(): Command {
  const resources = new Command("resources").description("register resources that leases hold and blueprints tear down");

  resources
    .command("create")
    .requiredOption("--kind <kind>", "what it is (host, app, network)")
    .requiredOption("--blueprint <name>", "how it is torn down: opsworks-instance (attr instanceId, a UUID), heroku-app (attr app), ec2-instance (attr instanceId, i-...), elbv2-load-balancer (attr loadBalancerArn), elbv2-target-group (attr targetGroupArn)")
    .option("--id <id>", "resource id (default: a random UUID)")
    .option("--attr <key=value>", "an attribute, repeatable", collect, [])
    .option("--expires-in <duration>", "release it this long from now")
    .option("--expire-after-idle <duration>", "release it this long after its last lease ends (0s: at once)")
    .option("--ref <id>", "a resource this one depends on, repeatable", collect, [])
    .description("register a resource (active)")
    .action(action(async () => (await load()).create));

  resources
    .command("list")
    .option("--all", "include destroyed resources")
    .description("list resources")
    .action(action(async () => (await load()).list));

  resources
    .command("mark-delete")
    .argument("<resource>", "resource id")
    .option("--dry-run", "say whether it would be marked, change nothing")
    .description("flag a resource for the deallocator: destroyed once no live lease holds it and nothing references it")
    .action(action(async () => (await load()).markDelete));

  return resources;
}
