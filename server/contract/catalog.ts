/**
 * What an instance's OpenCode offers, on the wire: agents, providers with
 * their models and variants, commands, and an instance's usage roll-up.
 *
 * @module
 */
import type { TokensJson } from "./sessions.ts";

/** One agent (`GET /api/instances/{id}/agents`). */
export interface AgentJson {
  name: string;
  description: string | null;
  /** `primary` and `all` agents can be picked for a message; `subagent` ones run tasks. */
  mode: "primary" | "subagent" | "all";
  /** OpenCode's internal agents (title, summary, compaction). */
  hidden: boolean;
  /** The agent's own model (`"provider/model"`), if it has one. */
  model: string | null;
  variant: string | null;
}

/** One model of a provider. */
export interface ModelJson {
  /** The model id within its provider. */
  id: string;
  /** What `model` fields take: `"provider/model"`. */
  ref: string;
  name: string;
  /** The variants a message may name (`variant`), e.g. `high`. */
  variants: string[];
  /** The context window, in tokens. */
  context_limit: number;
  output_limit: number;
  reasoning: boolean;
  attachment: boolean;
  tool_call: boolean;
  /** Price per million tokens, as OpenCode knows it. */
  cost: { input: number; output: number };
}

/** One provider with its models. */
export interface ProviderJson {
  id: string;
  name: string;
  models: ModelJson[];
}

/** `GET /api/instances/{id}/models`. */
export interface ModelsJson {
  /** The instance's default model (`"provider/model"`), if any. */
  default: string | null;
  providers: ProviderJson[];
}

/** One `/` command (`GET /api/instances/{id}/commands`). */
export interface CommandJson {
  name: string;
  description: string | null;
  /** `command`, `mcp` or `skill`. */
  source: string | null;
  /** The argument placeholders the template uses, e.g. `$ARGUMENTS`. */
  hints: string[];
  /** The command runs as a subtask (in a child session). */
  subtask: boolean;
}

/** `GET /api/instances/{id}/usage`: the instance's sessions summed up. */
export interface UsageJson {
  instance_id: string;
  /** Recorded sessions, subagents' child sessions included. */
  sessions: number;
  /** Sessions busy or retrying now. */
  busy: number;
  cost: number;
  tokens: TokensJson;
}
