/**
 * Antfarm-format `workflow.yml` text → a typed, validated {@linkcode WorkflowSpec}.
 *
 * A YAML syntax error is reported with its line and column
 * (`workflow.yml:12:5: …`); a validation error names the field path
 * (`steps[3].loop.verify_step: no step "verfy"`). Every problem is collected
 * before {@linkcode WorkflowSpecError} is thrown. Unknown keys are errors
 * (with a "did you mean" hint); keys antfarm knows but Flock does not use
 * (`polling`, `skills`, `pollingModel`, `notifications`) are accepted, and
 * all but `polling` raise a warning.
 *
 * @module
 */
import { isNode, LineCounter, parseDocument, visit } from "yaml";
import {
  describeType,
  type FieldPath,
  isMapping,
  SpecReader,
} from "./spec_reader.ts";
import { NAME_PATTERN, readSteps } from "./spec_steps.ts";
import {
  AGENT_ROLES,
  type AgentFileSpec,
  type AgentSpec,
  type ParsedSpec,
  type SpecIssue,
  type WorkflowSpec,
  WorkflowSpecError,
} from "./spec_types.ts";

/** The largest `workflow.yml` accepted, in characters. */
export const MAX_SPEC_CHARS = 1_000_000;

const WORKFLOW_ID = {
  regex: /^[a-z0-9][a-z0-9-]{0,63}$/,
  hint:
    "must be 1 to 64 lowercase letters, digits or '-', starting with a letter or digit",
};
const CONTEXT_KEY = {
  regex: /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
  hint: "must be letters, digits and '_'",
};
const TOP_KEYS = [
  "id",
  "name",
  "version",
  "description",
  "context",
  "agents",
  "steps",
  "polling",
] as const;
const AGENT_KEYS = [
  "id",
  "name",
  "role",
  "description",
  "model",
  "timeoutSeconds",
  "workspace",
] as const;
const WORKSPACE_KEYS = ["files", "baseDir"] as const;
const MAX_AGENT_FILES = 20;

/** Options for {@linkcode parseWorkflowSpec}. */
export interface ParseSpecOptions {
  /** The name shown in syntax errors (default `workflow.yml`). */
  fileName?: string;
}

/**
 * Parses and validates a workflow spec.
 *
 * @param text The YAML text.
 * @returns The spec and its warnings.
 * @throws {WorkflowSpecError} listing every problem found.
 *
 * @example
 * ```ts
 * const { spec } = parseWorkflowSpec(Deno.readTextFileSync("workflow.yml"));
 * spec.steps.map((step) => step.id); // ["plan", "setup", ...]
 * ```
 */
export function parseWorkflowSpec(
  text: string,
  options: ParseSpecOptions = {},
): ParsedSpec {
  const fileName = options.fileName ?? "workflow.yml";
  if (text.length > MAX_SPEC_CHARS) {
    throw new WorkflowSpecError(fileName, [{
      path: "",
      message: `is ${text.length} characters; the limit is ${MAX_SPEC_CHARS}`,
    }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const syntax: SpecIssue[] = doc.errors.map((error) => {
    const { line, col } = lines.linePos(error.pos[0]);
    return { path: "", message: firstLine(error.message), line, column: col };
  });
  let firstAlias: { line: number; col: number } | null = null;
  visit(doc, {
    Alias(_key, node) {
      const at = lines.linePos(node.range?.[0] ?? 0);
      firstAlias ??= at;
      if (node.resolve(doc) === undefined) {
        syntax.push({
          path: "",
          message: `Unknown alias *${node.source}`,
          line: at.line,
          column: at.col,
        });
      }
    },
  });
  if (syntax.length > 0) throw new WorkflowSpecError(fileName, syntax);
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at: { line: number; col: number } = firstAlias ?? { line: 1, col: 1 };
    throw new WorkflowSpecError(
      fileName,
      [{
        path: "",
        message,
        line: at.line,
        column: at.col,
      }],
      [],
      { cause: error },
    );
  }
  const reader = new SpecReader((path) => {
    for (let end = path.length; end > 0; end--) {
      const node = doc.getIn(path.slice(0, end), true);
      if (isNode(node) && node.range) {
        const { line, col } = lines.linePos(node.range[0]);
        return { line, column: col };
      }
    }
    return undefined;
  });
  const spec = readWorkflow(reader, root);
  if (reader.errors.length > 0 || spec === null) {
    if (reader.errors.length === 0) reader.error([], "is not a valid workflow");
    throw new WorkflowSpecError(fileName, reader.errors, reader.warnings);
  }
  return { spec, warnings: reader.warnings };
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function readWorkflow(reader: SpecReader, root: unknown): WorkflowSpec | null {
  if (!isMapping(root)) {
    reader.error(
      [],
      "expected a mapping with id, name, version, agents and steps",
    );
    return null;
  }
  reader.keys(root, [], TOP_KEYS, {
    notifications: "ignored: Flock notifies through its inbox",
  });
  const id = reader.string(root, "id", [], {
    required: true,
    pattern: WORKFLOW_ID,
  });
  const name = reader.string(root, "name", [], { required: true });
  const version = reader.integer(
    root,
    "version",
    [],
    { min: 1, max: 1_000_000 },
    null,
  );
  const description = reader.string(root, "description", []);
  const context = readContext(reader, root["context"]);
  const agentList = reader.list(root, "agents", [], true);
  if (agentList !== null && agentList.length === 0) {
    reader.error(["agents"], "must list at least one agent");
  }
  const { agents, ids: agentIds } = readAgents(reader, agentList ?? []);
  const stepList = reader.list(root, "steps", [], true);
  if (stepList !== null && stepList.length === 0) {
    reader.error(["steps"], "must list at least one step");
  }
  const steps = readSteps(reader, stepList ?? [], agentIds);
  if (id === null || name === null || version === null) return null;
  return { id, name, version, description, context, agents, steps };
}

function readContext(
  reader: SpecReader,
  raw: unknown,
): Record<string, string> {
  const context: Record<string, string> = {};
  if (raw === undefined || raw === null) return context;
  const value = reader.mapping(raw, ["context"]);
  if (value === null) return context;
  for (const [key, entry] of Object.entries(value)) {
    const path: FieldPath = ["context", key];
    if (!CONTEXT_KEY.regex.test(key) || key.toLowerCase() === "__proto__") {
      reader.error(path, `key ${CONTEXT_KEY.hint}`);
    } else if (
      typeof entry === "string" || typeof entry === "number" ||
      typeof entry === "boolean"
    ) {
      context[key.toLowerCase()] = String(entry);
    } else {
      reader.error(path, "expected a string, a number or a boolean");
    }
  }
  return context;
}

/** Reads the agents; `ids` also holds agents whose other fields were invalid (no cascade of "no agent" errors). */
function readAgents(
  reader: SpecReader,
  list: readonly unknown[],
): { agents: AgentSpec[]; ids: Set<string> } {
  const agents: AgentSpec[] = [];
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  list.forEach((raw, index) => {
    const path: FieldPath = ["agents", index];
    if (isMapping(raw) && typeof raw.id === "string") ids.add(raw.id);
    const agent = readAgent(reader, raw, path);
    if (agent === null) return;
    const earlier = seen.get(agent.id);
    if (earlier !== undefined) {
      reader.error(
        [...path, "id"],
        `duplicate agent id "${agent.id}" (also agents[${earlier}])`,
      );
      return;
    }
    seen.set(agent.id, index);
    agents.push(agent);
  });
  return { agents, ids };
}

function readAgent(
  reader: SpecReader,
  raw: unknown,
  path: FieldPath,
): AgentSpec | null {
  const value = reader.mapping(raw, path);
  if (value === null) return null;
  reader.keys(value, path, AGENT_KEYS, {
    pollingModel: "ignored: Flock does not poll",
  });
  const id = reader.string(value, "id", path, {
    required: true,
    pattern: NAME_PATTERN,
  });
  const name = reader.string(value, "name", path);
  const role = reader.choice(value, "role", path, AGENT_ROLES, null);
  const description = reader.string(value, "description", path);
  const model = reader.string(value, "model", path);
  const timeoutSeconds = value["timeoutSeconds"] === undefined
    ? null
    : reader.integer(value, "timeoutSeconds", path, {
      min: 1,
      max: 86_400,
    }, null);
  const files = readWorkspace(reader, value["workspace"], [
    ...path,
    "workspace",
  ]);
  if (id === null || role === null) return null;
  return {
    id,
    name: name ?? id,
    role,
    description,
    model,
    timeoutSeconds,
    files,
  };
}

function readWorkspace(
  reader: SpecReader,
  raw: unknown,
  path: FieldPath,
): AgentFileSpec[] {
  if (raw === undefined || raw === null) return [];
  const value = reader.mapping(raw, path);
  if (value === null) return [];
  reader.keys(value, path, WORKSPACE_KEYS, {
    skills: "unsupported: OpenCode agents have no antfarm skills; ignored",
  });
  reader.string(value, "baseDir", path);
  const skills = value["skills"];
  if (
    skills !== undefined && skills !== null &&
    (!Array.isArray(skills) ||
      !skills.every((skill) => typeof skill === "string"))
  ) {
    reader.error([...path, "skills"], "expected a list of names");
  }
  const filesRaw = value["files"];
  if (filesRaw === undefined || filesRaw === null) return [];
  const filesPath = [...path, "files"];
  const files = reader.mapping(filesRaw, filesPath);
  if (files === null) return [];
  const entries = Object.entries(files);
  if (entries.length > MAX_AGENT_FILES) {
    reader.error(
      filesPath,
      `lists ${entries.length} files; the limit is ${MAX_AGENT_FILES}`,
    );
  }
  const result: AgentFileSpec[] = [];
  for (const [name, filePath] of entries) {
    const at = [...filesPath, name];
    if (name.trim() === "" || /[/\\\0]/.test(name)) {
      reader.error(at, "the name must be a plain file name");
      continue;
    }
    const problem = relativePathProblem(filePath);
    if (problem !== null) {
      reader.error(at, problem);
      continue;
    }
    result.push({ name, path: filePath as string });
  }
  return result;
}

/**
 * Why `value` is not an acceptable agent file path, or `null`. Paths are
 * relative to the workflow's directory and may leave it (`../../agents/…`),
 * but are never absolute.
 */
export function relativePathProblem(value: unknown): string | null {
  if (typeof value !== "string") {
    return `expected a relative path, got ${describeType(value)}`;
  }
  if (value.trim() === "") return "the path must not be empty";
  if (value.includes("\0")) return "the path must not contain NUL";
  if (/^([/\\]|[A-Za-z]:)/.test(value) || value.startsWith("~")) {
    return `"${value}" is absolute; paths are relative to the workflow's directory`;
  }
  if (value.includes("\\")) return `"${value}" must use "/" as separator`;
  return null;
}
