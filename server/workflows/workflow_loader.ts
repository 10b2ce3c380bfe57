/**
 * Loads a workflow: `workflow.yml` plus the agent files it names, through an
 * injected file reader (so it runs without a disk in tests).
 *
 * Only the files the spec names are read. Their paths are relative to the
 * workflow's directory and may leave it (antfarm's own workflows use
 * `../../agents/shared/…`), but never start at `/` and never climb above the
 * filesystem root. A file that cannot be read is a field-path error on the
 * entry that names it.
 *
 * @module
 */
import { parseWorkflowSpec } from "./spec.ts";
import { type FieldPath, formatPath } from "./spec_reader.ts";
import {
  type AgentFileSpec,
  type SpecIssue,
  type WorkflowSpec,
  WorkflowSpecError,
} from "./spec_types.ts";

/** Reads a UTF-8 file by absolute path; rejects (e.g. `Deno.errors.NotFound`) when it cannot. */
export type ReadTextFile = (path: string) => Promise<string>;

/** The largest agent file accepted, in characters. */
export const MAX_AGENT_FILE_CHARS = 256 * 1024;

/** An agent file with its contents. */
export interface LoadedAgentFile extends AgentFileSpec {
  /** The absolute, normalised path it was read from. */
  resolved: string;
  text: string;
}

/** A workflow ready to install: the spec, its warnings, and every agent's files. */
export interface LoadedWorkflow {
  spec: WorkflowSpec;
  warnings: SpecIssue[];
  /** Agent id → its files, in the spec's order. */
  agentFiles: Record<string, LoadedAgentFile[]>;
  /** The YAML text the spec came from. */
  yaml: string;
  /** The directory it was loaded from, or `null` for a spec given as text. */
  dir: string | null;
}

/** Options for {@linkcode loadWorkflow}. */
export interface LoadWorkflowOptions {
  /** The YAML text. Read from `<dir>/workflow.yml` when absent. */
  yaml?: string;
  /** The absolute directory that agent file paths are relative to. */
  dir?: string | null;
  /** Reads files; required when `yaml` is absent or the spec names agent files. */
  readTextFile?: ReadTextFile;
}

/**
 * Resolves `relative` against the absolute POSIX directory `dir`.
 *
 * @returns The normalised absolute path, or `null` when it would climb above `/`.
 *
 * @example
 * ```ts
 * resolveWithin("/w/workflows/feature-dev", "../../agents/shared/a.md"); // "/w/agents/shared/a.md"
 * resolveWithin("/w", "../../x"); // null
 * ```
 */
export function resolveWithin(dir: string, relative: string): string | null {
  const parts = dir.split("/").filter((part) => part !== "" && part !== ".");
  for (const part of relative.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return "/" + parts.join("/");
}

/**
 * Loads a workflow from a directory (`{ dir, readTextFile }`) or from YAML
 * text (`{ yaml }`, optionally with a `dir` for its agent files).
 *
 * @throws {WorkflowSpecError} for an invalid spec, a missing `workflow.yml`,
 * or an agent file that cannot be read.
 */
export async function loadWorkflow(
  options: LoadWorkflowOptions,
): Promise<LoadedWorkflow> {
  const dir = options.dir ?? null;
  if (dir !== null && !dir.startsWith("/")) {
    throw new WorkflowSpecError("workflow.yml", [{
      path: "",
      message:
        `Cannot load a workflow from "${dir}": the directory must be absolute`,
    }]);
  }
  const read = options.readTextFile;
  let yaml = options.yaml;
  if (yaml === undefined) {
    if (dir === null || read === undefined) {
      throw new TypeError(
        "loadWorkflow needs either yaml or dir and readTextFile",
      );
    }
    const file = resolveWithin(dir, "workflow.yml")!;
    try {
      yaml = await read(file);
    } catch (error) {
      throw new WorkflowSpecError(
        "workflow.yml",
        [{
          path: "",
          message: `Cannot read ${file}: ${describeReadError(error)}`,
        }],
        [],
        { cause: error },
      );
    }
  }
  const { spec, warnings } = parseWorkflowSpec(yaml);
  const results = await Promise.all(
    spec.agents.map((agent, index) =>
      Promise.all(agent.files.map((file) =>
        readAgentFile(
          file,
          ["agents", index, "workspace", "files", file.name],
          {
            dir,
            read,
          },
        )
      ))
    ),
  );
  const issues = results.flat().flatMap((result) =>
    "issue" in result ? [result.issue] : []
  );
  if (issues.length > 0) {
    throw new WorkflowSpecError("workflow.yml", issues, warnings);
  }
  const agentFiles: Record<string, LoadedAgentFile[]> = {};
  spec.agents.forEach((agent, index) => {
    agentFiles[agent.id] = results[index]!.flatMap((result) =>
      "file" in result ? [result.file] : []
    );
  });
  return { spec, warnings, agentFiles, yaml, dir };
}

async function readAgentFile(
  file: AgentFileSpec,
  at: FieldPath,
  { dir, read }: { dir: string | null; read: ReadTextFile | undefined },
): Promise<{ file: LoadedAgentFile } | { issue: SpecIssue }> {
  const failed = (message: string) => ({
    issue: { path: formatPath(at), message },
  });
  if (dir === null || read === undefined) {
    return failed(
      `cannot read "${file.path}" as the workflow was given without a directory`,
    );
  }
  const resolved = resolveWithin(dir, file.path);
  if (resolved === null) {
    return failed(`"${file.path}" climbs above the filesystem root`);
  }
  let text: string;
  try {
    text = await read(resolved);
  } catch (error) {
    return failed(`cannot read "${file.path}": ${describeReadError(error)}`);
  }
  if (text.length > MAX_AGENT_FILE_CHARS) {
    return failed(
      `"${file.path}" has ${text.length} characters; the limit is ${MAX_AGENT_FILE_CHARS}`,
    );
  }
  return { file: { ...file, resolved, text } };
}

function describeReadError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "is a directory";
  return error instanceof Error ? error.message : String(error);
}

/**
 * The system text of an agent: its files, each wrapped in a `<file>` element
 * so the model can tell them apart.
 */
export function agentSystemText(files: readonly LoadedAgentFile[]): string {
  return files
    .map((file) => `<file name="${file.name}">\n${file.text.trim()}\n</file>`)
    .join("\n\n");
}
