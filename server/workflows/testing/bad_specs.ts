/**
 * Bad workflow specs for fuzz tests: each a seeded mutation of a valid one
 * (a wrong type, a missing field, a dangling reference, a bad value, a
 * duplicate, an unknown key, broken YAML), with the field its error must
 * name (or null for a YAML syntax error, which must give a line and column).
 *
 * @module
 */
import { parse, stringify } from "yaml";
import { formatPath } from "../spec_reader.ts";
import type { SeededRandom } from "./seeded_random.ts";
import { BUGFIX_YAML, FEATURE_YAML, GATED_YAML } from "./specs.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Doc = { [key: string]: Json };
type Path = (string | number)[];

/** A bad spec and what its error must name. */
export interface BadSpecCase {
  kind: string;
  text: string;
  /** A field path some issue must start with, or null for a YAML syntax error. */
  path: string | null;
}

const BASES: Doc[] = [FEATURE_YAML, BUGFIX_YAML, GATED_YAML].map((yaml) =>
  parse(yaml) as Doc
);

function get(doc: Json, path: Path): Json | undefined {
  let node: Json | undefined = doc;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = Array.isArray(node) ? node[key as number] : node[key as string];
  }
  return node;
}

function parentOf(doc: Doc, path: Path): { [key: string]: Json } {
  const parent = get(doc, path.slice(0, -1));
  if (parent === null || typeof parent !== "object" || Array.isArray(parent)) {
    throw new Error(`No mapping at ${formatPath(path.slice(0, -1))}`);
  }
  return parent;
}

function set(doc: Doc, path: Path, value: Json): void {
  const parent = get(doc, path.slice(0, -1));
  const key = path.at(-1)!;
  if (Array.isArray(parent) && typeof key === "number") parent[key] = value;
  else parentOf(doc, path)[key as string] = value;
}

function remove(doc: Doc, path: Path): void {
  delete parentOf(doc, path)[path.at(-1) as string];
}

/** Steps of a doc, with their index. */
function steps(doc: Doc): { index: number; step: { [key: string]: Json } }[] {
  return (doc.steps as { [key: string]: Json }[]).map((step, index) => ({
    index,
    step,
  }));
}

function agentSteps(doc: Doc) {
  return steps(doc).filter(({ step }) => step.type !== "gate");
}

function loops(doc: Doc) {
  return steps(doc).filter(({ step }) => step.type === "loop");
}

type Kind = "string" | "int" | "list" | "map" | "bool" | "enum";

/** Fields a mutation may break, with their kind, as paths in a doc. */
function fields(doc: Doc, rng: SeededRandom): { path: Path; kind: Kind }[] {
  const agent = rng.int((doc.agents as Json[]).length);
  const out: { path: Path; kind: Kind }[] = [
    { path: ["id"], kind: "string" },
    { path: ["name"], kind: "string" },
    { path: ["version"], kind: "int" },
    { path: ["agents"], kind: "list" },
    { path: ["steps"], kind: "list" },
    { path: ["agents", agent], kind: "map" },
    { path: ["agents", agent, "id"], kind: "string" },
    { path: ["agents", agent, "role"], kind: "enum" },
  ];
  const { index, step } = rng.pick(agentSteps(doc));
  out.push(
    { path: ["steps", index], kind: "map" },
    { path: ["steps", index, "id"], kind: "string" },
    { path: ["steps", index, "agent"], kind: "string" },
    { path: ["steps", index, "input"], kind: "string" },
    { path: ["steps", index, "max_retries"], kind: "int" },
    { path: ["steps", index, "expects"], kind: "string" },
    { path: ["steps", index, "type"], kind: "enum" },
  );
  if (step.on_fail !== undefined) {
    out.push({ path: ["steps", index, "on_fail"], kind: "map" });
    out.push({ path: ["steps", index, "on_fail", "max_retries"], kind: "int" });
    out.push({
      path: ["steps", index, "on_fail", "escalate_to"],
      kind: "enum",
    });
  }
  for (const { index: i } of loops(doc)) {
    out.push(
      { path: ["steps", i, "loop"], kind: "map" },
      { path: ["steps", i, "loop", "over"], kind: "enum" },
      { path: ["steps", i, "loop", "completion"], kind: "enum" },
      { path: ["steps", i, "loop", "verify_each"], kind: "bool" },
      { path: ["steps", i, "loop", "verify_step"], kind: "string" },
    );
  }
  return out;
}

function wrongValue(kind: Kind, rng: SeededRandom): Json {
  const byKind: Record<Kind, Json[]> = {
    string: [42, 1.5, true, ["a"], { a: "b" }],
    int: ["three", "3", 1.5, -1, 1e9, true, [1], { n: 1 }],
    list: ["steps", 7, { a: 1 }, true],
    map: ["text", 3, ["a", "b"], false],
    bool: ["yes", 1, ["true"], { on: true }],
    enum: ["bogus", 5, ["x"], { a: 1 }, ""],
  };
  return structuredClone(rng.pick(byKind[kind]));
}

const REQUIRED = (doc: Doc, rng: SeededRandom): Path => {
  const agent = rng.int((doc.agents as Json[]).length);
  const { index } = rng.pick(agentSteps(doc));
  const options: Path[] = [
    ["id"],
    ["name"],
    ["version"],
    ["agents"],
    ["steps"],
    ["agents", agent, "id"],
    ["agents", agent, "role"],
    ["steps", index, "id"],
    ["steps", index, "agent"],
    ["steps", index, "input"],
  ];
  for (const { index: i } of loops(doc)) {
    options.push(["steps", i, "loop"], ["steps", i, "loop", "over"]);
  }
  return rng.pick(options);
};

function mutate(base: Doc, rng: SeededRandom): BadSpecCase {
  const doc = structuredClone(base);
  const text = () => stringify(doc);
  const kind = rng.pick([
    "wrong-type",
    "missing",
    "dangling-agent",
    "dangling-verify",
    "dangling-retry",
    "later-retry",
    "duplicate-id",
    "bad-id",
    "unknown-key",
    "absolute-file",
    "empty-list",
    "gate-agent",
    "yaml",
  ]);
  switch (kind) {
    case "wrong-type": {
      const { path, kind: fieldKind } = rng.pick(fields(doc, rng));
      set(doc, path, wrongValue(fieldKind, rng));
      return { kind, text: text(), path: formatPath(path) };
    }
    case "missing": {
      const path = REQUIRED(doc, rng);
      remove(doc, path);
      return { kind, text: text(), path: formatPath(path) };
    }
    case "dangling-agent": {
      const { index, step } = rng.pick(agentSteps(doc));
      step.agent = `ghost-${rng.int(100)}`;
      return { kind, text: text(), path: `steps[${index}].agent` };
    }
    case "dangling-verify": {
      const loop = loops(doc)[0];
      if (loop === undefined) return mutate(BASES[0]!, rng);
      (loop.step.loop as Doc).verify_step = rng.pick([
        "verfy",
        "nope",
        "implement",
        "plan",
      ]);
      return {
        kind,
        text: text(),
        path: `steps[${loop.index}].loop.verify_step`,
      };
    }
    case "dangling-retry":
    case "later-retry": {
      const all = agentSteps(doc);
      const { index, step } = rng.pick(all);
      const later = steps(doc).filter((s) => s.index >= index).map((s) =>
        s.step.id as string
      );
      const target = kind === "later-retry" ? rng.pick(later) : "no-such-step";
      step.on_fail = { ...(step.on_fail as Doc ?? {}), retry_step: target };
      return { kind, text: text(), path: `steps[${index}].on_fail.retry_step` };
    }
    case "duplicate-id": {
      const list = rng.chance(0.5) ? "agents" : "steps";
      const items = doc[list] as Doc[];
      const j = 1 + rng.int(items.length - 1);
      items[j]!.id = items[rng.int(j)]!.id!;
      return { kind, text: text(), path: `${list}[${j}].id` };
    }
    case "bad-id": {
      const choice = rng.int(3);
      const bad = rng.pick([
        "Has_Caps",
        "with space",
        "-lead",
        "x".repeat(65),
        "ünï",
      ]);
      if (choice === 0) {
        doc.id = bad;
        return { kind, text: text(), path: "id" };
      }
      const list = choice === 1 ? "agents" : "steps";
      const j = rng.int((doc[list] as Json[]).length);
      (doc[list] as Doc[])[j]!.id = bad;
      return { kind, text: text(), path: `${list}[${j}].id` };
    }
    case "unknown-key": {
      const key = rng.pick([
        "on_fial",
        "retries",
        "agnet",
        "timeout",
        "x-extra",
      ]);
      const { index } = rng.pick(agentSteps(doc));
      const target = rng.pick<Path>([[], ["agents", 0], ["steps", index]]);
      const node = target.length === 0 ? doc : (get(doc, target) as Doc);
      node[key] = "value";
      return { kind, text: text(), path: formatPath([...target, key]) };
    }
    case "absolute-file": {
      const j = rng.int((doc.agents as Json[]).length);
      const agent = (doc.agents as Doc[])[j]!;
      agent.workspace = {
        files: { "AGENTS.md": rng.pick(["/etc/passwd", "C:\\x", "~/x", ""]) },
      };
      return {
        kind,
        text: text(),
        path: `agents[${j}].workspace.files["AGENTS.md"]`,
      };
    }
    case "empty-list": {
      const list = rng.pick(["agents", "steps"]);
      doc[list] = [];
      return { kind, text: text(), path: list };
    }
    case "gate-agent": {
      const gate = steps(doc).find(({ step }) => step.type === "gate");
      const { index, step } = gate ?? rng.pick(steps(doc));
      step.type = "gate";
      step.agent = "someone";
      return { kind, text: text(), path: `steps[${index}]` };
    }
    default:
      return { kind, text: brokenYaml(stringify(doc), rng), path: null };
  }
}

/** YAML that cannot parse: each edit is a syntax error wherever it lands. */
function brokenYaml(text: string, rng: SeededRandom): string {
  const lines = text.split("\n");
  const top = lines.findIndex((line) => line.startsWith("name:"));
  switch (rng.int(7)) {
    case 0:
      return `${text}\nextra: "unclosed`;
    case 1:
      return `${text}\nid: again`;
    case 2:
      lines[top] = "name: { a: b";
      return lines.join("\n");
    case 3:
      lines[top] = "name: [1, 2";
      return lines.join("\n");
    case 4:
      lines[top] = "name: *missing_anchor";
      return lines.join("\n");
    case 5:
      return `${text}\n- stray item`;
    default:
      lines[top] = "name: 'it''s' trailing 'junk";
      return lines.join("\n");
  }
}

/** How many kinds of mutation {@linkcode badSpec} makes. */
export const BAD_SPEC_KINDS = 13;

/** One bad spec, drawn from `rng`. */
export function badSpec(rng: SeededRandom): BadSpecCase {
  return mutate(rng.pick(BASES), rng);
}
