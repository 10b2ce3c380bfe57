/**
 * The typed, validated form of an antfarm-format `workflow.yml`, and the
 * error that lists everything wrong with one.
 *
 * @module
 */

/** What an agent may do; only `coding` may write files. */
export type AgentRole =
  | "coding"
  | "analysis"
  | "verification"
  | "testing"
  | "pr"
  | "scanning";

/** Every role, in a stable order (for messages and tests). */
export const AGENT_ROLES: readonly AgentRole[] = [
  "coding",
  "analysis",
  "verification",
  "testing",
  "pr",
  "scanning",
];

/** One file an agent reads as its system text: `AGENTS.md: agents/x/AGENTS.md`. */
export interface AgentFileSpec {
  /** The name the file has in the agent's workspace (the YAML key). */
  name: string;
  /** The path as written, relative to the workflow's directory. */
  path: string;
}

/** An agent: who runs a step, with which role and instructions. */
export interface AgentSpec {
  id: string;
  /** Display name; the id when the spec has none. */
  name: string;
  role: AgentRole;
  description: string | null;
  /** A model name as written in the spec (passed on, not interpreted here). */
  model: string | null;
  /** Overrides the role's timeout, in seconds. */
  timeoutSeconds: number | null;
  /** The agent's files, in the spec's order. */
  files: AgentFileSpec[];
}

/** `loop:` of a `type: loop` step. */
export interface LoopSpec {
  over: "stories";
  completion: "all_done";
  /** Each attempt always runs in a fresh session in Flock; kept for display. */
  freshSession: boolean;
  /** The step that verifies each story, when `verify_each` is set. */
  verifyStep: string | null;
}

/** `on_fail:` of a step. */
export interface OnFailSpec {
  /** An earlier step that `STATUS: retry` sends the work back to. */
  retryStep: string | null;
  /** How many times this step may send work back (default 2). */
  maxRetries: number;
  /** Whether a person decides once this step's retries are exhausted. */
  escalateToHuman: boolean;
}

/** Fields every step has. */
interface StepBase {
  id: string;
  /** The template (`{{key}}`); for a gate, the text shown to the person. */
  input: string;
}

/** A step run by an agent, once (`type: single`, the default). */
export interface SingleStepSpec extends StepBase {
  type: "single";
  agent: string;
  /** The reply must meet this (`KEY: value` or a substring); default `STATUS: done`. */
  expects: string;
  /** Retries after a failed attempt (default 2). */
  maxRetries: number;
  onFail: OnFailSpec;
}

/** A step run once per story (`type: loop`). */
export interface LoopStepSpec extends Omit<SingleStepSpec, "type"> {
  type: "loop";
  loop: LoopSpec;
}

/** Flock's extension: a person approves before the run goes on (`type: gate`). */
export interface GateStepSpec extends StepBase {
  type: "gate";
}

/** Any step. */
export type StepSpec = SingleStepSpec | LoopStepSpec | GateStepSpec;

/** A step that runs an agent. */
export type AgentStepSpec = SingleStepSpec | LoopStepSpec;

/** A validated workflow. */
export interface WorkflowSpec {
  id: string;
  name: string;
  version: number;
  description: string | null;
  /** Initial context values (`context:` in antfarm's format). */
  context: Record<string, string>;
  agents: AgentSpec[];
  steps: StepSpec[];
}

/** One problem found in a spec. */
export interface SpecIssue {
  /** The field path (`steps[3].loop.verify_step`), or "" for the document. */
  path: string;
  message: string;
  /** 1-based position in the YAML text, when known. */
  line?: number;
  column?: number;
}

/** Formats an issue as `path: message` (or `file:line:col: message` for syntax). */
export function formatIssue(
  issue: SpecIssue,
  fileName = "workflow.yml",
): string {
  if (issue.path !== "") return `${issue.path}: ${issue.message}`;
  if (issue.line !== undefined) {
    return `${fileName}:${issue.line}:${issue.column ?? 1}: ${issue.message}`;
  }
  return `${fileName}: ${issue.message}`;
}

/** A spec is invalid: `issues` lists every problem found, never empty. */
export class WorkflowSpecError extends Error {
  readonly issues: readonly SpecIssue[];
  readonly warnings: readonly SpecIssue[];
  readonly fileName: string;
  constructor(
    fileName: string,
    issues: readonly SpecIssue[],
    warnings: readonly SpecIssue[] = [],
    options?: ErrorOptions,
  ) {
    const list = issues.map((issue) => formatIssue(issue, fileName));
    super(
      `Cannot load ${fileName} as it is invalid: ${list.join("; ")}`,
      options,
    );
    this.name = "WorkflowSpecError";
    this.issues = issues;
    this.warnings = warnings;
    this.fileName = fileName;
  }
}

/** A parsed spec with the warnings (ignored or unsupported fields) it raised. */
export interface ParsedSpec {
  spec: WorkflowSpec;
  warnings: SpecIssue[];
}

/** Whether a step runs an agent. */
export function isAgentStep(step: StepSpec): step is AgentStepSpec {
  return step.type !== "gate";
}
