/**
 * Questions of OpenCode's `question` tool on the wire, and the rules an
 * answer must follow (shared by the server, which refuses a bad answer
 * with a 400, and the page, which can check before sending).
 *
 * A question request holds one or more questions; the answer is one list
 * of labels per question, in order. Per question:
 * - without `multiple`, exactly one label;
 * - with `multiple: true`, one or more labels, each at most once;
 * - a label is one of the question's option labels, or free text unless
 *   the question says `custom: false` (OpenCode's default allows it).
 *
 * @module
 */
import type { OpenCodeQuestion } from "./opencode.ts";

/**
 * A pending question request, tagged with its instance and the top-level
 * session it belongs to (`root_session_id`: the session itself, or, for a
 * question asked in a subagent's child session, the session that started
 * the subagent).
 */
export type QuestionJson = OpenCodeQuestion & {
  instance_id: string;
  root_session_id: string;
};

/** One question of a request (`questions[i]`). */
export type QuestionInfoJson = OpenCodeQuestion["questions"][number];

/** The longest free-text answer Flock forwards. */
export const MAX_ANSWER_LENGTH = 10_000;

/** Why an answer does not fit its questions: the field and what is wrong. */
export interface AnswerProblem {
  /** The offending field, e.g. `answers[0][1]`. */
  field: string;
  message: string;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

function clipped(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * Checks `answers` against the questions of a request.
 *
 * @returns the answers as OpenCode wants them (trimmed labels), or the
 * first problem found.
 * @example
 * ```ts
 * checkAnswers([{ question: "Colour?", header: "Colour", options: [{ label: "Red", description: "" }] }], [["Red"]]);
 * // { ok: true, answers: [["Red"]] }
 * ```
 */
export function checkAnswers(
  questions: readonly QuestionInfoJson[],
  answers: unknown,
): { ok: true; answers: string[][] } | { ok: false; problem: AnswerProblem } {
  const fail = (field: string, message: string) => ({
    ok: false as const,
    problem: { field, message },
  });
  if (!Array.isArray(answers)) {
    return fail(
      "answers",
      `expected an array with one list of labels per question, got ${
        describe(answers)
      }`,
    );
  }
  if (answers.length !== questions.length) {
    return fail(
      "answers",
      `expected ${questions.length} answer(s), one per question, got ${answers.length}`,
    );
  }
  const out: string[][] = [];
  for (const [i, question] of questions.entries()) {
    const answer: unknown = answers[i];
    const field = `answers[${i}]`;
    if (!Array.isArray(answer)) {
      return fail(
        field,
        `expected a list of labels for "${clipped(question.header)}", got ${
          describe(answer)
        }`,
      );
    }
    const labels: string[] = [];
    for (const [j, label] of answer.entries()) {
      const at = `${field}[${j}]`;
      if (typeof label !== "string") {
        return fail(at, `expected a string, got ${describe(label)}`);
      }
      const text = label.trim();
      if (text === "") return fail(at, "it is blank");
      if (text.length > MAX_ANSWER_LENGTH) {
        return fail(at, `it is longer than ${MAX_ANSWER_LENGTH} characters`);
      }
      const known = question.options.some((o) => o.label === text);
      if (!known && question.custom === false) {
        return fail(
          at,
          `"${clipped(text)}" is not one of the options (${
            question.options.map((o) => o.label).join(", ")
          }) and this question takes no free text`,
        );
      }
      if (labels.includes(text)) {
        return fail(at, `"${clipped(text)}" is given twice`);
      }
      labels.push(text);
    }
    if (labels.length === 0) {
      return fail(field, `"${clipped(question.header)}" needs an answer`);
    }
    if (question.multiple !== true && labels.length > 1) {
      return fail(
        field,
        `"${clipped(question.header)}" takes one answer, got ${labels.length}`,
      );
    }
    out.push(labels);
  }
  return { ok: true, answers: out };
}
