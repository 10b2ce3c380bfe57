import { assertEquals } from "../testing/assert.ts";
import { checkAnswers, type QuestionInfoJson } from "./questions.ts";

const colour: QuestionInfoJson = {
  question: "Which colour?",
  header: "Colour",
  options: [
    { label: "Red", description: "" },
    { label: "Blue", description: "" },
  ],
};

function problem(questions: QuestionInfoJson[], answers: unknown) {
  const result = checkAnswers(questions, answers);
  return result.ok ? null : result.problem.field;
}

Deno.test("checkAnswers: one trimmed label per single-choice question", () => {
  assertEquals(checkAnswers([colour], [[" Red "]]), {
    ok: true,
    answers: [["Red"]],
  });
  assertEquals(problem([colour], [["Red", "Blue"]]), "answers[0]");
  assertEquals(problem([colour], [[]]), "answers[0]");
});

Deno.test("checkAnswers: multiple choice takes several distinct labels", () => {
  const multi = { ...colour, multiple: true };
  assertEquals(checkAnswers([multi], [["Red", "Blue"]]), {
    ok: true,
    answers: [["Red", "Blue"]],
  });
  assertEquals(problem([multi], [["Red", "Red"]]), "answers[0][1]");
});

Deno.test("checkAnswers: free text unless custom is false", () => {
  assertEquals(checkAnswers([colour], [["Teal"]]).ok, true);
  assertEquals(
    problem([{ ...colour, custom: false }], [["Teal"]]),
    "answers[0][0]",
  );
  assertEquals(
    checkAnswers([{ ...colour, custom: false }], [["Blue"]]).ok,
    true,
  );
});

Deno.test("checkAnswers: the shape is one list of strings per question", () => {
  const two = [colour, { ...colour, header: "Other" }];
  assertEquals(problem(two, [["Red"]]), "answers");
  assertEquals(problem(two, "Red"), "answers");
  assertEquals(problem(two, null), "answers");
  assertEquals(problem(two, [["Red"], "Blue"]), "answers[1]");
  assertEquals(problem(two, [["Red"], [5]]), "answers[1][0]");
  assertEquals(problem(two, [["Red"], ["  "]]), "answers[1][0]");
  assertEquals(problem(two, [["Red"], ["x".repeat(10_001)]]), "answers[1][0]");
  assertEquals(checkAnswers(two, [["Red"], ["Blue"]]).ok, true);
  assertEquals(checkAnswers([], []), { ok: true, answers: [] });
});
