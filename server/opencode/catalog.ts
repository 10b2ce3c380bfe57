/**
 * What an OpenCode child offers (agents, providers with their models and
 * variants, commands), read from its answers into Flock's shapes
 * (`contract/catalog.ts`), and the checks a message's `model`, `variant`
 * and `agent` must pass against it. Pure: the answers come in as parsed
 * JSON; entries that lack the fields Flock reads are skipped.
 *
 * @module
 */
import type {
  AgentJson,
  CommandJson,
  ModelJson,
  ModelsJson,
  ProviderJson,
} from "../contract/catalog.ts";
import { isRecord } from "../contract/opencode_guards.ts";

/** Everything a message's choices are checked against. */
export interface Catalog {
  agents: AgentJson[];
  models: ModelsJson;
  commands: CommandJson[];
}

function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function modelRef(value: unknown): string | null {
  if (!isRecord(value)) return null;
  const provider = str(value.providerID);
  const model = str(value.modelID);
  return provider && model ? `${provider}/${model}` : null;
}

/** `GET /agent` → agents. */
export function agentsOf(answer: unknown): AgentJson[] {
  if (!Array.isArray(answer)) return [];
  return answer.flatMap((a: unknown): AgentJson[] => {
    if (!isRecord(a)) return [];
    const name = str(a.name);
    const mode = a.mode;
    if (
      !name || (mode !== "primary" && mode !== "subagent" && mode !== "all")
    ) {
      return [];
    }
    return [{
      name,
      description: str(a.description),
      mode,
      hidden: a.hidden === true,
      model: modelRef(a.model),
      variant: str(a.variant),
    }];
  });
}

function modelOf(providerId: string, m: unknown): ModelJson | null {
  if (!isRecord(m)) return null;
  const id = str(m.id);
  if (!id) return null;
  const caps = isRecord(m.capabilities) ? m.capabilities : {};
  const limit = isRecord(m.limit) ? m.limit : {};
  const cost = isRecord(m.cost) ? m.cost : {};
  const variants = isRecord(m.variants)
    ? Object.entries(m.variants)
      .filter(([, v]) => !(isRecord(v) && v.disabled === true))
      .map(([name]) => name)
    : [];
  return {
    id,
    ref: `${providerId}/${id}`,
    name: str(m.name) ?? id,
    variants,
    context_limit: num(limit.context),
    output_limit: num(limit.output),
    reasoning: caps.reasoning === true,
    attachment: caps.attachment === true,
    tool_call: caps.toolcall === true,
    cost: { input: num(cost.input), output: num(cost.output) },
  };
}

/** `GET /config/providers` → providers, their models and variants. */
export function modelsOf(answer: unknown): ModelsJson {
  const providers: ProviderJson[] = [];
  let fallback: string | null = null;
  const list = isRecord(answer) && Array.isArray(answer.providers)
    ? answer.providers
    : [];
  for (const p of list) {
    if (!isRecord(p)) continue;
    const id = str(p.id);
    if (!id) continue;
    const models = isRecord(p.models)
      ? Object.values(p.models).flatMap((m) => modelOf(id, m) ?? [])
      : [];
    providers.push({ id, name: str(p.name) ?? id, models });
  }
  const defaults = isRecord(answer) && isRecord(answer.default)
    ? answer.default
    : {};
  for (const provider of providers) {
    const model = str(defaults[provider.id]);
    if (model) {
      fallback = `${provider.id}/${model}`;
      break;
    }
  }
  return { default: fallback, providers };
}

/** `GET /command` → commands. */
export function commandsOf(answer: unknown): CommandJson[] {
  if (!Array.isArray(answer)) return [];
  return answer.flatMap((c: unknown): CommandJson[] => {
    if (!isRecord(c)) return [];
    const name = str(c.name);
    if (!name) return [];
    return [{
      name,
      description: str(c.description),
      source: str(c.source),
      hints: Array.isArray(c.hints)
        ? c.hints.filter((h: unknown): h is string => typeof h === "string")
        : [],
      subtask: c.subtask === true,
    }];
  });
}

/** The model a `"provider/model"` names, if the catalog offers it. */
export function findModel(
  models: ModelsJson,
  ref: string,
): ModelJson | undefined {
  for (const provider of models.providers) {
    const model = provider.models.find((m) => m.ref === ref);
    if (model) return model;
  }
  return undefined;
}

/** A message's choices. */
export interface Choice {
  model?: string | undefined;
  variant?: string | undefined;
  agent?: string | undefined;
}

/** Which field of a choice is wrong, and why. */
export interface ChoiceProblem {
  field: "model" | "variant" | "agent";
  message: string;
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, 12).join(", ");
  return names.length > 12 ? `${shown}, …` : shown || "none";
}

/**
 * Checks a message's choices against what the instance offers: the model
 * must be one of its models, the variant one of that model's (the model
 * named, else the agent's, else the instance's default), the agent one
 * that can take a message (not hidden, not subagent-only).
 *
 * @returns the first problem, or null when the choice is valid.
 */
export function checkChoice(
  catalog: Catalog,
  choice: Choice,
): ChoiceProblem | null {
  let agent: AgentJson | undefined;
  if (choice.agent !== undefined) {
    const usable = catalog.agents.filter((a) =>
      !a.hidden && a.mode !== "subagent"
    );
    agent = usable.find((a) => a.name === choice.agent);
    if (!agent) {
      return {
        field: "agent",
        message: `the instance has no agent "${choice.agent}" to send to (${
          list(usable.map((a) => a.name))
        })`,
      };
    }
  }
  const refs = catalog.models.providers.flatMap((p) =>
    p.models.map((m) => m.ref)
  );
  if (choice.model !== undefined && !refs.includes(choice.model)) {
    return {
      field: "model",
      message: `the instance offers no model "${choice.model}" (${list(refs)})`,
    };
  }
  if (choice.variant !== undefined) {
    const ref = choice.model ?? agent?.model ?? catalog.models.default;
    const model = ref ? findModel(catalog.models, ref) : undefined;
    const variants = model?.variants ?? [];
    if (!variants.includes(choice.variant)) {
      return {
        field: "variant",
        message: `the model ${
          ref ?? "(none)"
        } has no variant "${choice.variant}" (${list(variants)})`,
      };
    }
  }
  return null;
}
