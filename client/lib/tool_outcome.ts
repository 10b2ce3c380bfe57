/**
 * How a tool call reads in the conversation: its state turned into a word
 * for people and a badge style. Pure. Tailwind scans this file, so class
 * names are written out in full.
 *
 * Beyond OpenCode's four states (`pending`, `running`, `completed`,
 * `error`), a call can be:
 * - waiting on a permission request (`Needs permission`);
 * - refused by the user (`Rejected`): OpenCode ends it as an `error` whose
 *   text says the user rejected permission; a rule of the config refusing
 *   it reads `Denied`, a dismissed question `Dismissed` (the same texts
 *   OpenCode's own TUI treats as a refusal, not a failure);
 * - cut off by its OpenCode's end (`Interrupted`): OpenCode leaves such a
 *   call `running` for ever; Flock marks it.
 *
 * @module
 */
import type { OpenCodeToolState } from "../../server/contract/opencode.ts";

/** What became of a tool call. */
export type ToolOutcome =
  | "needs-permission"
  | "pending"
  | "running"
  | "done"
  | "failed"
  | "rejected"
  | "denied"
  | "dismissed"
  | "interrupted";

const LOOK: Record<ToolOutcome, { label: string; badge: string }> = {
  "needs-permission": {
    label: "Needs permission",
    badge: "bg-amber-500/15 text-amber-300",
  },
  pending: { label: "Pending", badge: "bg-gray-700/60 text-gray-300" },
  running: { label: "Running", badge: "bg-sky-500/15 text-sky-300" },
  done: { label: "Done", badge: "bg-emerald-500/15 text-emerald-300" },
  failed: { label: "Failed", badge: "bg-red-500/15 text-red-300" },
  rejected: { label: "Rejected", badge: "bg-gray-700/60 text-gray-200" },
  denied: { label: "Denied", badge: "bg-gray-700/60 text-gray-200" },
  dismissed: { label: "Dismissed", badge: "bg-gray-700/60 text-gray-200" },
  interrupted: {
    label: "Interrupted",
    badge: "bg-orange-500/15 text-orange-300",
  },
};

/**
 * Whether a tool error is a refusal, and which: the user rejected the
 * permission request, a rule denied it, or the user dismissed a question.
 *
 * @param error The `error` of a tool state in `error`.
 * @returns The refusal, or undefined for a real failure.
 */
export function refusalOf(
  error: string,
): "rejected" | "denied" | "dismissed" | undefined {
  if (/rejected permission/i.test(error)) return "rejected";
  if (/specified a rule/i.test(error)) return "denied";
  if (/QuestionRejectedError|user dismissed/i.test(error)) return "dismissed";
  return undefined;
}

/**
 * What became of a tool call.
 *
 * @param state The tool part's state.
 * @param options `waiting`: a pending permission request holds it;
 *   `interrupted`: Flock marked it cut off by its OpenCode's end (ignored
 *   once OpenCode reports it finished).
 * @returns The outcome.
 */
export function toolOutcome(
  state: OpenCodeToolState,
  options: { waiting?: boolean; interrupted?: boolean } = {},
): ToolOutcome {
  switch (state.status) {
    case "completed":
      return "done";
    case "error":
      return refusalOf(state.error) ?? "failed";
    default:
      if (options.waiting) return "needs-permission";
      if (options.interrupted) return "interrupted";
      return state.status;
  }
}

/**
 * The word and badge classes of an outcome.
 *
 * @param outcome What became of the call.
 * @returns `{ label, badge }`, e.g. `Rejected`.
 */
export function toolOutcomeLook(
  outcome: ToolOutcome,
): { label: string; badge: string } {
  return LOOK[outcome];
}
