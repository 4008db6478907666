/** Injected faults, matched by action name, for the next N calls or with a seeded probability. */
import { FaultSpecSchema, type FaultSpec } from "./schemas.js";
import { mulberry32, type Rng } from "./rng.js";

type ParsedFault = ReturnType<typeof FaultSpecSchema.parse>;

interface Rule {
  id: number;
  spec: ParsedFault;
  remaining?: number;
  rng: Rng;
}

/** The combined effect of every rule that fired for one call. */
export interface FiredFault {
  ruleIds: number[];
  latencyMs: number;
  error?: string;
  status?: number;
  message?: string;
  drop: boolean;
  dropAfter: boolean;
  failDeployment: boolean;
}

export interface FaultView {
  id: number;
  spec: FaultSpec;
  remaining?: number;
}

export class FaultBook {
  private rules: Rule[] = [];
  private nextId = 1;

  constructor(private readonly defaultSeed: number) {}

  add(input: FaultSpec): number {
    const spec = FaultSpecSchema.parse(input);
    const id = this.nextId++;
    const rule: Rule = { id, spec, rng: mulberry32(spec.seed ?? this.defaultSeed + id * 7919) };
    if (spec.count !== undefined) rule.remaining = spec.count;
    this.rules.push(rule);
    return id;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultView[] {
    return this.rules.map((r) => (r.remaining === undefined ? { id: r.id, spec: r.spec } : { id: r.id, spec: r.spec, remaining: r.remaining }));
  }

  /** Rolls every rule whose action is one of `names`; returns the merged effect, if any fired. */
  match(names: readonly string[]): FiredFault | undefined {
    let fired: FiredFault | undefined;
    for (const rule of [...this.rules]) {
      if (!names.includes(rule.spec.action)) continue;
      if (rule.spec.probability !== undefined && !(rule.rng() < rule.spec.probability)) continue;
      if (rule.remaining !== undefined) {
        rule.remaining -= 1;
        if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      }
      fired = merge(fired, rule);
    }
    return fired;
  }
}

function merge(acc: FiredFault | undefined, rule: Rule): FiredFault {
  const s = rule.spec;
  const base: FiredFault = acc ?? { ruleIds: [], latencyMs: 0, drop: false, dropAfter: false, failDeployment: false };
  const out: FiredFault = {
    ...base,
    ruleIds: [...base.ruleIds, rule.id],
    latencyMs: base.latencyMs + (s.latencyMs ?? 0),
    drop: base.drop || s.drop === true,
    dropAfter: base.dropAfter || s.dropAfter === true,
    failDeployment: base.failDeployment || s.failDeployment === true,
  };
  if (out.error === undefined && out.status === undefined && (s.error !== undefined || s.status !== undefined)) {
    if (s.error !== undefined) out.error = s.error;
    if (s.status !== undefined) out.status = s.status;
    if (s.message !== undefined) out.message = s.message;
  }
  return out;
}

/** Names a call answers to when matching faults: "Action", "service:Action", "service:*", "*". */
export function faultNames(service: string, actions: readonly string[]): string[] {
  const names = new Set<string>();
  for (const a of actions) {
    names.add(a);
    names.add(`${service}:${a}`);
  }
  names.add(`${service}:*`);
  names.add("*");
  return [...names];
}
