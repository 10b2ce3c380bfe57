/**
 * `/api/questions…`: the pending questions of OpenCode's question tool
 * across instances (from the events, no child is asked), and answering or
 * rejecting one (sent straight to the instance that holds it).
 *
 * @module
 */
import { isRecord } from "../contract/opencode_guards.ts";
import { checkAnswers, type QuestionJson } from "../contract/questions.ts";
import { BadRequestError, NotFoundError } from "../http/errors.ts";
import { readJson } from "../http/json_body.ts";
import { OpenCodeHttpError } from "../opencode/opencode_errors.ts";
import { type ApiContext, requireSession } from "./api_context.ts";
import { type ApiRoute, arrayOf, errorDoc, ref } from "./openapi.ts";

/** What `POST /api/questions/{id}` asks for. */
export type QuestionAnswerBody =
  | { kind: "answers"; answers: unknown }
  | { kind: "reject" };

/**
 * Reads the body of `POST /api/questions/{id}`: exactly one of
 * `{ "answers": [...] }` or `{ "reject": true }`.
 *
 * @throws {BadRequestError} naming the field.
 */
export function readAnswerBody(value: unknown): QuestionAnswerBody {
  if (!isRecord(value)) {
    throw new BadRequestError(
      "Cannot use the body: expected a JSON object with answers or reject",
      "invalid_body",
    );
  }
  for (const key of Object.keys(value)) {
    if (key !== "answers" && key !== "reject") {
      throw new BadRequestError(
        `Cannot use the body: unknown field "${
          key.slice(0, 60)
        }"; allowed fields are answers, reject`,
        "unknown_field",
      );
    }
  }
  const hasAnswers = value.answers !== undefined;
  const hasReject = value.reject !== undefined;
  if (hasAnswers && hasReject) {
    throw new BadRequestError(
      'Cannot use the body: give either "answers" or "reject", not both',
      "invalid_body",
    );
  }
  if (hasReject) {
    if (value.reject !== true) {
      throw new BadRequestError(
        'Cannot use field "reject": expected true',
        "invalid_field",
      );
    }
    return { kind: "reject" };
  }
  if (!hasAnswers) {
    throw new BadRequestError(
      'Cannot use the body: field "answers" (or "reject": true) is required',
      "missing_field",
    );
  }
  return { kind: "answers", answers: value.answers };
}

/** The answer given to `POST /api/questions/{id}`. */
export interface QuestionAnsweredJson {
  id: string;
  instance_id: string;
  session_id: string;
  root_session_id: string;
  /** The answers sent (one list of labels per question), or null when rejected. */
  answers: string[][] | null;
  rejected: boolean;
}

/** The question routes. */
export function questionRoutes(ctx: ApiContext): ApiRoute[] {
  const answered = async (
    question: QuestionJson,
    send: () => Promise<unknown>,
  ) => {
    try {
      await send();
    } catch (error) {
      // Gone upstream (answered elsewhere, or its OpenCode restarted).
      if (error instanceof OpenCodeHttpError && error.status === 404) {
        ctx.pending.forget(question.id);
        throw new NotFoundError(
          `Cannot find a pending question: ${question.id} (it is no longer pending in its instance)`,
          { cause: error },
        );
      }
      throw error;
    }
    ctx.pending.forget(question.id);
  };
  return [
    {
      method: "GET",
      path: "/api/questions",
      summary: "Every pending question, across instances",
      doc: {
        tag: "questions",
        description:
          "Kept from the events (`question.asked`, `question.replied`, `question.rejected`) and replaced from each instance's own list after every (re)connect, so no instance is asked. Each carries `root_session_id`: a subagent's question rolls up to the session that started the subagent.",
        responses: {
          200: {
            description: "Oldest first",
            schema: arrayOf(ref("Question")),
          },
        },
      },
      handler: () => Response.json(ctx.pending.questions()),
    },
    {
      method: "GET",
      path: "/api/sessions/:id/questions",
      summary: "A session's pending questions (its subagents' included)",
      doc: {
        tag: "questions",
        params: { id: "The session id" },
        responses: {
          200: {
            description: "Oldest first",
            schema: arrayOf(ref("Question")),
          },
          404: errorDoc(404),
        },
      },
      handler: ({ params }) => {
        const session = requireSession(ctx, params.id!);
        return Response.json(
          ctx.pending.questions().filter((q) =>
            q.sessionID === session.id || q.root_session_id === session.id
          ),
        );
      },
    },
    {
      method: "POST",
      path: "/api/questions/:id",
      summary: "Answer or reject a pending question",
      doc: {
        tag: "questions",
        params: { id: "The question id (OpenCode's `que_…`)" },
        description:
          'Body: `{ "answers": [["Red"], ["Small", "Large"]] }` (one list of labels per question, in order: exactly one label unless the question is `multiple`; a label is one of its options, or free text unless `custom` is false), or `{ "reject": true }`. The agent then continues (with the answers, or told the question was dismissed).',
        body: {
          schema: {
            oneOf: [
              {
                type: "object",
                additionalProperties: false,
                required: ["answers"],
                properties: {
                  answers: arrayOf(arrayOf({ type: "string", minLength: 1 })),
                },
              },
              {
                type: "object",
                additionalProperties: false,
                required: ["reject"],
                properties: { reject: { const: true } },
              },
            ],
          },
        },
        responses: {
          200: {
            description: "Sent to the instance",
            schema: {
              type: "object",
              required: [
                "id",
                "instance_id",
                "session_id",
                "root_session_id",
                "answers",
                "rejected",
              ],
              properties: {
                id: { type: "string" },
                instance_id: { type: "string" },
                session_id: { type: "string" },
                root_session_id: { type: "string" },
                answers: {
                  type: ["array", "null"],
                  items: arrayOf({ type: "string" }),
                },
                rejected: { type: "boolean" },
              },
            },
          },
          400: errorDoc(400, "A wrong body, or answers that do not fit"),
          404: errorDoc(404, "No pending question has this id"),
          409: errorDoc(409, "Its instance is not running"),
          502: errorDoc(502),
        },
      },
      handler: async ({ req, params }) => {
        const id = params.id!;
        const body = readAnswerBody(await readJson(req));
        const question = ctx.pending.question(id);
        if (!question) {
          throw new NotFoundError(`Cannot find a pending question: ${id}`);
        }
        const client = await ctx.supervisor.ensureClient(question.instance_id);
        const result: QuestionAnsweredJson = {
          id,
          instance_id: question.instance_id,
          session_id: question.sessionID,
          root_session_id: question.root_session_id,
          answers: null,
          rejected: body.kind === "reject",
        };
        if (body.kind === "reject") {
          await answered(question, () => client.rejectQuestion(id));
          return Response.json(result);
        }
        const checked = checkAnswers(question.questions, body.answers);
        if (!checked.ok) {
          throw new BadRequestError(
            `Cannot use field "${checked.problem.field}": ${checked.problem.message}`,
            "invalid_field",
          );
        }
        await answered(
          question,
          () => client.replyQuestion(id, checked.answers),
        );
        return Response.json({ ...result, answers: checked.answers });
      },
    },
  ];
}
