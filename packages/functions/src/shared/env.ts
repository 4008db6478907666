import { tables, type TableNames } from "@scythe/core";
import { ValidationError } from "@scythe/core";

/**
 * Table names as SST's `bind` passes them to a function (`SST_Table_tableName_<id>`).
 * The local world sets the same variables, so handlers read one format everywhere.
 */
export function tableNamesFromEnv(env: NodeJS.ProcessEnv = process.env): TableNames {
  const entries = tables.map((def) => {
    const variable = `SST_Table_tableName_${def.id}`;
    const value = env[variable];
    if (!value) throw new ValidationError(variable, "is not set: bind the table to this function");
    return [def.key, value] as const;
  });
  return Object.fromEntries(entries) as unknown as TableNames;
}
