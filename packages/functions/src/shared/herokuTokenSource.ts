import { getParametersByName } from "@aws-lambda-powertools/parameters/ssm";
import { ValidationError } from "@scythe/core/errors";
import { SecretUnavailableError } from "./herokuToken.js";

/** The SST `Config.Secret` holding the Heroku token (stacks/janitor/reaper.ts creates it). */
export const herokuTokenSecret = "HerokuToken";

/**
 * Where the token comes from: `HEROKU_API_TOKEN` locally; in AWS the SST secret bound to
 * the function, read from SSM Parameter Store (decrypted) at the stage's path, falling back
 * to the app-wide `.fallback` path as SST does.
 */
export function tokenSource(env: NodeJS.ProcessEnv = process.env): () => Promise<string> {
  const local = env.HEROKU_API_TOKEN;
  if (local) return async () => local;
  if (env[`SST_Secret_value_${herokuTokenSecret}`] === undefined) {
    throw new ValidationError("HEROKU_API_TOKEN", `is not set, and no ${herokuTokenSecret} secret is bound to this function`);
  }
  const prefix = env.SST_SSM_PREFIX;
  const app = env.SST_APP;
  if (!prefix || !app) throw new ValidationError("SST_SSM_PREFIX", "is not set: deploy the function with SST so it can find its secret");
  const stagePath = `${prefix}Secret/${herokuTokenSecret}/value`;
  const fallbackPath = `/sst/${app}/.fallback/Secret/${herokuTokenSecret}/value`;
  return async () => {
    // One GetParameters call (the action SST's bind grants) for both paths.
    const found = await getParametersByName<string>({ [stagePath]: {}, [fallbackPath]: {} }, { decrypt: true, maxAge: 300, throwOnError: false });
    const value = found[stagePath] ?? found[fallbackPath];
    if (typeof value !== "string" || value === "") {
      throw new SecretUnavailableError(`set it with: npx sst secrets set ${herokuTokenSecret} <token> (looked at ${stagePath} and ${fallbackPath})`);
    }
    return value;
  };
}

/** Whether this function was given a Heroku token: HEROKU_API_TOKEN, or the stage's bound secret. */
export function herokuTokenConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.HEROKU_API_TOKEN ?? "") !== "" || env[`SST_Secret_value_${herokuTokenSecret}`] !== undefined;
}
