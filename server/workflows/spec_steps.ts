/**
 * Validation of `steps:` in a workflow spec: each step's own fields, then the
 * references between steps and agents (`agent`, `loop.verify_step`,
 * `on_fail.retry_step`).
 *
 * @module
 */
import type { FieldPath, SpecReader } from "./spec_reader.ts";
import type { LoopSpec, OnFailSpec, StepSpec } from "./spec_types.ts";

/** Ids of steps and agents: lowercase letters, digits, `-` and `_`. */
export const NAME_PATTERN = {
  regex: /^[a-z0-9][a-z0-9_-]{0,63}$/,
  hint:
    "must be 1 to 64 lowercase letters, digits, '-' or '_', starting with a letter or digit",
};

/** The default of `max_retries` and `on_fail.max_retries` (antfarm's). */
export const DEFAULT_MAX_RETRIES = 2;

/** The default of `expects`. */
export const DEFAULT_EXPECTS = "STATUS: done";

const RETRY_RANGE = { min: 0, max: 20 };
const STEP_KEYS = [
  "id",
  "agent",
  "type",
  "loop",
  "input",
  "expects",
  "max_retries",
  "on_fail",
] as const;
const GATE_KEYS = ["id", "type", "input"] as const;
const LOOP_KEYS = [
  "over",
  "completion",
  "fresh_session",
  "verify_each",
  "verify_step",
] as const;
const ON_FAIL_KEYS = [
  "retry_step",
  "max_retries",
  "escalate_to",
  "on_exhausted",
] as const;

/** What cross-checking needs from a step, even one that failed to read. */
interface StepRefs {
  id: string;
  type: StepSpec["type"] | null;
  agent: string | null;
  verifyStep: string | null;
  retryStep: string | null;
}

/** A step before cross-checking, with where it came from. */
interface DraftStep {
  refs: StepRefs;
  /** The step, or `null` when some of its fields were invalid. */
  step: StepSpec | null;
  index: number;
}

/**
 * Validates the `steps` list. Errors and warnings go to `reader`; the result
 * holds the steps that could be read (possibly fewer than written).
 */
export function readSteps(
  reader: SpecReader,
  list: readonly unknown[],
  agentIds: ReadonlySet<string>,
): StepSpec[] {
  const drafts: DraftStep[] = [];
  const seen = new Map<string, number>();
  list.forEach((raw, index) => {
    const path = ["steps", index];
    const read = readStep(reader, raw, path);
    if (read === null) return;
    const earlier = seen.get(read.refs.id);
    if (earlier !== undefined) {
      reader.error(
        [...path, "id"],
        `duplicate step id "${read.refs.id}" (also steps[${earlier}])`,
      );
      return;
    }
    seen.set(read.refs.id, index);
    drafts.push({ ...read, index });
  });
  crossCheck(reader, drafts, agentIds);
  return drafts.flatMap((draft) => draft.step === null ? [] : [draft.step]);
}

function readStep(
  reader: SpecReader,
  raw: unknown,
  path: FieldPath,
): { refs: StepRefs; step: StepSpec | null } | null {
  const value = reader.mapping(raw, path);
  if (value === null) return null;
  const id = reader.string(value, "id", path, {
    required: true,
    pattern: NAME_PATTERN,
  });
  const type = reader.choice(
    value,
    "type",
    path,
    ["single", "loop", "gate"] as const,
    "single",
  );
  if (type === "gate") {
    reader.keys(value, path, STEP_KEYS);
    for (const key of STEP_KEYS) {
      if (!(GATE_KEYS as readonly string[]).includes(key) && key in value) {
        reader.error([...path, key], "a gate step runs no agent; remove it");
      }
    }
    const input = reader.string(value, "input", path) ?? "";
    if (id === null) return null;
    const refs = { id, type, agent: null, verifyStep: null, retryStep: null };
    return { refs, step: { type: "gate", id, input } };
  }
  reader.keys(value, path, STEP_KEYS);
  const agent = reader.string(value, "agent", path, { required: true });
  const input = reader.string(value, "input", path, { required: true });
  const expects = reader.string(value, "expects", path) ?? DEFAULT_EXPECTS;
  if (expects.trim() === "") {
    reader.error([...path, "expects"], "must not be empty");
  }
  const onFail = readOnFail(reader, value, path);
  const ownMax = reader.integer(
    value,
    "max_retries",
    path,
    RETRY_RANGE,
    DEFAULT_MAX_RETRIES,
  );
  // Antfarm falls back to on_fail.max_retries for the step's own retries.
  const maxRetries = value["max_retries"] === undefined && onFail.explicitMax
    ? onFail.spec.maxRetries
    : ownMax ?? DEFAULT_MAX_RETRIES;
  let loop: LoopSpec | null = null;
  let verifyStep: string | null = null;
  if (type === "loop") ({ loop, verifyStep } = readLoop(reader, value, path));
  else if ("loop" in value) {
    reader.error([...path, "loop"], 'only a step with "type: loop" has a loop');
  }
  if (id === null) return null;
  const refs: StepRefs = {
    id,
    type,
    agent,
    verifyStep,
    retryStep: onFail.spec.retryStep,
  };
  if (agent === null || input === null || type === null) {
    return { refs, step: null };
  }
  const base = { id, agent, input, expects, maxRetries, onFail: onFail.spec };
  if (type === "loop") {
    return { refs, step: loop === null ? null : { ...base, type, loop } };
  }
  return { refs, step: { ...base, type: "single" } };
}

function readLoop(
  reader: SpecReader,
  parent: Record<string, unknown>,
  stepPath: FieldPath,
): { loop: LoopSpec | null; verifyStep: string | null } {
  const path = [...stepPath, "loop"];
  const none = { loop: null, verifyStep: null };
  if (parent["loop"] === undefined || parent["loop"] === null) {
    reader.error(
      path,
      'missing; a "type: loop" step needs "loop: { over: stories }"',
    );
    return none;
  }
  const value = reader.mapping(parent["loop"], path);
  if (value === null) return none;
  reader.keys(value, path, LOOP_KEYS);
  const over = reader.choice(value, "over", path, ["stories"] as const, null);
  const completion = reader.choice(
    value,
    "completion",
    path,
    ["all_done"] as const,
    "all_done",
  );
  const freshSession = reader.boolean(value, "fresh_session", path, true);
  if (!freshSession) {
    reader.warn(
      [...path, "fresh_session"],
      "ignored: every attempt runs in a fresh OpenCode session",
    );
  }
  const verifyEach = reader.boolean(value, "verify_each", path, false);
  const verifyStep = reader.string(value, "verify_step", path, {
    pattern: NAME_PATTERN,
  });
  if (verifyEach && verifyStep === null && value["verify_step"] === undefined) {
    reader.error([...path, "verify_step"], "missing; verify_each needs it");
  }
  if (!verifyEach && verifyStep !== null) {
    reader.warn(
      [...path, "verify_step"],
      "ignored as verify_each is not true; the step runs in the pipeline",
    );
  }
  const verifies = verifyEach ? verifyStep : null;
  if (over === null || completion === null) {
    return { loop: null, verifyStep: verifies };
  }
  return {
    loop: { over, completion, freshSession, verifyStep: verifies },
    verifyStep: verifies,
  };
}

function readOnFail(
  reader: SpecReader,
  parent: Record<string, unknown>,
  stepPath: FieldPath,
): { spec: OnFailSpec; explicitMax: boolean } {
  const spec: OnFailSpec = {
    retryStep: null,
    maxRetries: DEFAULT_MAX_RETRIES,
    escalateToHuman: false,
  };
  const raw = parent["on_fail"];
  if (raw === undefined || raw === null) return { spec, explicitMax: false };
  const path = [...stepPath, "on_fail"];
  const value = reader.mapping(raw, path);
  if (value === null) return { spec, explicitMax: false };
  reader.keys(value, path, ON_FAIL_KEYS);
  spec.retryStep = reader.string(value, "retry_step", path, {
    pattern: NAME_PATTERN,
  });
  spec.maxRetries = reader.integer(
    value,
    "max_retries",
    path,
    RETRY_RANGE,
    DEFAULT_MAX_RETRIES,
  ) ?? DEFAULT_MAX_RETRIES;
  const human = ["human"] as const;
  let escalate = false;
  if (value["escalate_to"] !== undefined) {
    escalate = reader.choice(value, "escalate_to", path, human, null) !== null;
  }
  const exhaustedRaw = value["on_exhausted"];
  if (exhaustedRaw !== undefined && exhaustedRaw !== null) {
    const exhaustedPath = [...path, "on_exhausted"];
    const exhausted = reader.mapping(exhaustedRaw, exhaustedPath);
    if (exhausted !== null) {
      reader.keys(exhausted, exhaustedPath, ["escalate_to"]);
      if (reader.choice(exhausted, "escalate_to", exhaustedPath, human, null)) {
        escalate = true;
      }
    }
  }
  spec.escalateToHuman = escalate;
  return { spec, explicitMax: value["max_retries"] !== undefined };
}

function crossCheck(
  reader: SpecReader,
  drafts: readonly DraftStep[],
  agentIds: ReadonlySet<string>,
): void {
  const position = new Map(drafts.map((d) => [d.refs.id, d] as const));
  const verifiedBy = new Map<string, string>();
  for (const { refs, index } of drafts) {
    const path = ["steps", index];
    if (refs.agent !== null && !agentIds.has(refs.agent)) {
      reader.error([...path, "agent"], `no agent "${refs.agent}"`);
    }
    if (refs.verifyStep === null) continue;
    const verifyPath = [...path, "loop", "verify_step"];
    const target = position.get(refs.verifyStep);
    if (target === undefined) {
      reader.error(verifyPath, `no step "${refs.verifyStep}"`);
    } else if (target.index <= index) {
      reader.error(
        verifyPath,
        `step "${target.refs.id}" must come after "${refs.id}"`,
      );
    } else if (target.refs.type !== "single") {
      reader.error(
        verifyPath,
        `step "${target.refs.id}" is not a single step; a verify step runs once per story`,
      );
    } else if (verifiedBy.has(target.refs.id)) {
      reader.error(
        verifyPath,
        `step "${target.refs.id}" already verifies "${
          verifiedBy.get(target.refs.id)
        }"`,
      );
    } else {
      verifiedBy.set(target.refs.id, refs.id);
    }
  }
  for (const { refs, index } of drafts) {
    if (refs.retryStep === null) continue;
    const retryPath = ["steps", index, "on_fail", "retry_step"];
    const target = position.get(refs.retryStep);
    const loop = verifiedBy.get(refs.id);
    if (target === undefined) {
      reader.error(retryPath, `no step "${refs.retryStep}"`);
    } else if (target.index >= index) {
      reader.error(
        retryPath,
        `step "${target.refs.id}" must come before "${refs.id}"`,
      );
    } else if (target.refs.type === "gate") {
      reader.error(retryPath, `step "${target.refs.id}" is a gate`);
    } else if (loop !== undefined && target.refs.id !== loop) {
      reader.error(
        retryPath,
        `"${refs.id}" verifies the stories of "${loop}" and can only send work back to it`,
      );
    }
  }
}
