import { BadInputError } from "@scythe/core/errors";

/** Which command-line option feeds each input field of a job (`"ec2.asg": "--asg"`). */
export type OptionNames = Readonly<Record<string, string>>;

/**
 * A refusal re-labelled with the option the user typed. The job's own check names its input
 * field (`batchSize`), which is right for a console or Lambda caller; on the command line the
 * user wrote `--batch`, so that is what the error names. Keeps the original error's name
 * (ValidationError, UnknownIdError) and its field as `inputField`.
 */
export class OptionInputError extends BadInputError {
  readonly inputField: string;
  constructor(option: string, subject: string, original: BadInputError) {
    const rest = original.message.startsWith(`${original.field}: `) ? original.message.slice(original.field.length + 2) : original.message;
    super(option, `${subject}: ${rest}`, { cause: original });
    this.name = original.name;
    this.inputField = original.field;
  }
}

/**
 * The option behind `field` and how to name the part of it at fault: its own entry, or that
 * of the nearest enclosing field with the rest said as the user gave it (`attributes.instanceId`
 * → `--attr instanceId`, `ec2.commands.0` → `--command #1`).
 */
export function optionFor(field: string, names: OptionNames): { option: string; subject: string } | undefined {
  for (let path = field; path !== ""; path = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "") {
    const option = names[path];
    if (option === undefined) continue;
    const rest = field.slice(path.length + 1);
    const subject = rest === "" ? option : /^\d+$/.test(rest) ? `${option} #${Number(rest) + 1}` : `${option} ${rest}`;
    return { option, subject };
  }
  return undefined;
}

/** `error` re-labelled with its option when it names an input field one of `names` feeds; otherwise `error` itself. */
export function withOptionName(error: unknown, names: OptionNames): unknown {
  if (!(error instanceof BadInputError) || error.field.startsWith("-")) return error;
  const found = optionFor(error.field, names);
  return found === undefined ? error : new OptionInputError(found.option, found.subject, error);
}

/** Runs `work`, re-labelling any refusal of an input field with the option that fed it. */
export async function namingOptions<T>(names: OptionNames, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw withOptionName(error, names);
  }
}
