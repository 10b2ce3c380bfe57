/**
 * Step templates: `{{key}}` filling from a flat context, the keys a template
 * needs, and the variables the engine provides.
 *
 * A key is looked up as written, then lower-cased (antfarm's rule, so
 * `{{REPO}}` finds `repo`). Whitespace inside the braces is allowed
 * (`{{ task }}`). Filling is one pass: a value that contains `{{x}}` is not
 * expanded again. A template with a key missing from the context is never
 * filled: {@linkcode fillTemplate} throws {@linkcode MissingTemplateKeysError}
 * naming the keys, so no prompt with a hole is ever sent.
 *
 * @module
 */

const KEY = /\{\{\s*([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\s*\}\}/g;

/** A flat context: lower-case keys to string values. */
export type TemplateContext = Readonly<Record<string, string>>;

/** A template needs keys that the context does not have. */
export class MissingTemplateKeysError extends Error {
  readonly keys: readonly string[];
  constructor(keys: readonly string[], options?: ErrorOptions) {
    super(
      `Cannot fill the template as ${
        keys.length === 1 ? "a key is" : "keys are"
      } missing: ${keys.join(", ")}`,
      options,
    );
    this.name = "MissingTemplateKeysError";
    this.keys = keys;
  }
}

/**
 * The keys a template uses, each once, in order of first use.
 *
 * @example
 * ```ts
 * templateKeys("{{task}} in {{repo}} ({{task}})"); // ["task", "repo"]
 * ```
 */
export function templateKeys(template: string): string[] {
  const keys = new Set<string>();
  for (const match of template.matchAll(KEY)) keys.add(match[1]!);
  return [...keys];
}

function lookup(context: TemplateContext, key: string): string | undefined {
  if (Object.hasOwn(context, key)) return context[key];
  const lower = key.toLowerCase();
  return Object.hasOwn(context, lower) ? context[lower] : undefined;
}

/**
 * The keys a template uses that the context lacks (empty when it can be filled).
 *
 * @example
 * ```ts
 * missingKeys("{{task}} on {{branch}}", { task: "x" }); // ["branch"]
 * ```
 */
export function missingKeys(
  template: string,
  context: TemplateContext,
): string[] {
  return templateKeys(template).filter((key) =>
    lookup(context, key) === undefined
  );
}

/**
 * Fills every `{{key}}` from the context.
 *
 * @throws {MissingTemplateKeysError} when a key is missing; nothing is filled.
 *
 * @example
 * ```ts
 * fillTemplate("Fix {{task}}", { task: "the bug" }); // "Fix the bug"
 * ```
 */
export function fillTemplate(
  template: string,
  context: TemplateContext,
): string {
  const missing = missingKeys(template, context);
  if (missing.length > 0) throw new MissingTemplateKeysError(missing);
  return template.replace(KEY, (_match, key: string) => lookup(context, key)!);
}

/** The variables the engine provides (they win over agent outputs of the same name). */
export const ENGINE_VARIABLES = [
  "task",
  "run_id",
  "current_story",
  "current_story_id",
  "current_story_title",
  "completed_stories",
  "stories_remaining",
  "verify_feedback",
  "progress",
  "has_frontend_changes",
] as const;

/** One engine variable's name. */
export type EngineVariable = typeof ENGINE_VARIABLES[number];

/** Engine variables that need the run's repository (gathered by the runner). */
export const GATHERED_VARIABLES = ["progress", "has_frontend_changes"] as const;

/** What the engine variables need to know about a story. */
export interface TemplateStory {
  id: string;
  title: string;
  description: string;
  acceptanceCriteria: readonly string[];
  status: string;
}

/**
 * A story as `{{current_story}}` shows it (antfarm's layout).
 *
 * @example
 * ```ts
 * formatStory({ id: "S-1", title: "Schema", description: "Add users.", acceptanceCriteria: ["Migration exists"], status: "running" });
 * // "Story S-1: Schema\n\nAdd users.\n\nAcceptance Criteria:\n  1. Migration exists"
 * ```
 */
export function formatStory(story: TemplateStory): string {
  const criteria = story.acceptanceCriteria
    .map((criterion, index) => `  ${index + 1}. ${criterion}`)
    .join("\n");
  return `Story ${story.id}: ${story.title}\n\n${story.description}\n\nAcceptance Criteria:\n${criteria}`;
}

/** `{{completed_stories}}`: `- S-1: Title` per done story, or `(none yet)`. */
export function formatCompletedStories(
  stories: readonly TemplateStory[],
): string {
  const done = stories.filter((story) => story.status === "done");
  if (done.length === 0) return "(none yet)";
  return done.map((story) => `- ${story.id}: ${story.title}`).join("\n");
}

/** `{{stories_remaining}}`: how many stories are not finished (the current one included). */
export function countStoriesRemaining(
  stories: readonly TemplateStory[],
): string {
  return String(
    stories.filter((story) =>
      story.status === "pending" || story.status === "running" ||
      story.status === "verifying"
    ).length,
  );
}

/** What {@linkcode engineVariables} builds from. */
export interface EngineInputs {
  task: string;
  runId: string;
  /** The story the attempt works on, if any. */
  story: TemplateStory | null;
  stories: readonly TemplateStory[];
  /** The latest feedback from a step that sent work back, or null. */
  verifyFeedback: string | null;
  /** `progress-<run_id>.txt` from the repository; null when it does not exist; undefined when not gathered. */
  progress?: string | null;
  /** Whether the branch's diff touches front-end files; undefined when not gathered. */
  hasFrontendChanges?: boolean;
}

/** The text `{{progress}}` gets when the run has no progress file. */
export const NO_PROGRESS = "(no progress yet)";

/**
 * The engine variables for one attempt. Story variables exist only for an
 * attempt on a story; `progress` and `has_frontend_changes` only once gathered.
 */
export function engineVariables(inputs: EngineInputs): Record<string, string> {
  const vars: Record<string, string> = {
    task: inputs.task,
    run_id: inputs.runId,
    completed_stories: formatCompletedStories(inputs.stories),
    stories_remaining: countStoriesRemaining(inputs.stories),
    verify_feedback: inputs.verifyFeedback ?? "",
  };
  if (inputs.story !== null) {
    vars.current_story = formatStory(inputs.story);
    vars.current_story_id = inputs.story.id;
    vars.current_story_title = inputs.story.title;
  }
  if (inputs.progress !== undefined) {
    vars.progress = inputs.progress ?? NO_PROGRESS;
  }
  if (inputs.hasFrontendChanges !== undefined) {
    vars.has_frontend_changes = String(inputs.hasFrontendChanges);
  }
  return vars;
}

/** The context a template is filled from: the run's context, then the engine's variables over it. */
export function templateContext(
  context: TemplateContext,
  engine: TemplateContext,
): Record<string, string> {
  return { ...context, ...engine };
}
