import { Template } from "aws-cdk-lib/assertions";
import { App, getStack, type StackContext } from "sst/constructs";
import { initProject } from "sst/project.js";
import { configureApp } from "../../stacks/defaults.js";
import { Storage } from "../../stacks/Storage.js";

let initialised: Promise<unknown> | undefined;

/** Synthesizes Storage plus `stack` for `stage` as `sst deploy` would, and returns its template. */
export async function synth<T>(stack: (ctx: StackContext) => T, stage = "prod"): Promise<Template> {
  initialised ??= initProject({ stage: "test" });
  await initialised;
  const app = new App({ mode: "deploy", stage, name: "scythe" });
  configureApp(app);
  app.stack(Storage);
  if ((stack as unknown) !== Storage) app.stack(stack);
  return Template.fromStack(getStack(stack));
}

/** Every IAM action granted in a template. */
export function iamActions(template: Template): string[] {
  return Object.values(template.findResources("AWS::IAM::Policy")).flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((s) => [s.Action].flat()),
  );
}

/** The IAM actions granted to the one function whose description matches `description`. */
export function functionActions(template: Template, description: RegExp): string[] {
  const functions = Object.values(template.findResources("AWS::Lambda::Function")).filter((f) =>
    description.test(String(f.Properties.Description ?? "")),
  );
  if (functions.length !== 1) throw new Error(`expected one function matching ${description}, found ${functions.length}`);
  const role = (functions[0]?.Properties.Role as { "Fn::GetAtt"?: [string, string] })["Fn::GetAtt"]?.[0];
  return Object.values(template.findResources("AWS::IAM::Policy"))
    .filter((p) => (p.Properties.Roles as { Ref?: string }[]).some((r) => r.Ref === role))
    .flatMap((p) => (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((s) => [s.Action].flat()));
}
