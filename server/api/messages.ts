/**
 * `/api/sessions/{id}/messages…`: a session's messages (with Flock's
 * marks), sending a prompt or a `/` command (queued while the session is
 * busy), and the session's queue of follow-ups.
 *
 * @module
 */
import type { MarkJson, MessageJson } from "../contract/marks.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { BadRequestError } from "../http/errors.ts";
import { readJson, type Schema, validate } from "../http/json_body.ts";
import { type ApiContext, requireSession } from "./api_context.ts";
import {
  type ApiRoute,
  arrayOf,
  bodySchema,
  errorDoc,
  ref,
} from "./openapi.ts";

const CHOICE_FIELDS = {
  agent: { type: "string", optional: true, minLength: 1, maxLength: 200 },
  model: { type: "string", optional: true, minLength: 3, maxLength: 400 },
  variant: { type: "string", optional: true, minLength: 1, maxLength: 200 },
} as const satisfies Schema;

/** The body of `POST /api/sessions/{id}/messages`. */
export const SEND_MESSAGE_BODY = {
  text: { type: "string", maxLength: 512 * 1024 },
  ...CHOICE_FIELDS,
} as const satisfies Schema;

/** The body of `POST /api/sessions/{id}/command`. */
export const SEND_COMMAND_BODY = {
  command: { type: "string", minLength: 1, maxLength: 200 },
  arguments: { type: "string", optional: true, maxLength: 512 * 1024 },
  ...CHOICE_FIELDS,
} as const satisfies Schema;

/** The `model` field's form: `provider/model` (the model id may hold more slashes). */
export const MODEL_PATTERN = /^[^/\s]+\/\S+$/;

/**
 * Checks the form of a `model` field (`"provider/model"`).
 *
 * @throws {BadRequestError} when the form is wrong.
 */
export function checkModelForm(model: string | undefined): void {
  if (model !== undefined && !MODEL_PATTERN.test(model)) {
    throw new BadRequestError(
      `Cannot use field "model": expected "provider/model" (e.g. "anthropic/claude-sonnet-4"), got "${
        model.slice(0, 60)
      }"`,
      "invalid_field",
    );
  }
}

const CHOICE_DOCS = {
  agent: "An agent that takes messages (see `GET /api/instances/{id}/agents`)",
  model: {
    description: '"provider/model", e.g. "anthropic/claude-sonnet-4"',
    pattern: MODEL_PATTERN.source,
  },
  variant: "One of the model's variants (see `GET /api/instances/{id}/models`)",
};

const SEND_RESPONSES = {
  202: {
    description:
      "`sent` (OpenCode has it) or `queued` (sent when the session is idle)",
    schema: ref("QueuedMessage"),
  },
  400: errorDoc(
    400,
    "A bad field, or a model/variant/agent/command the instance does not offer",
  ),
  404: errorDoc(404),
  409: errorDoc(409, "The instance is not running"),
  502: errorDoc(502),
};

function withMarks(
  messages: readonly MessageJson[],
  marks: readonly MarkJson[],
): MessageJson[] {
  if (marks.length === 0) return [...messages];
  const byMessage = new Map<string, MarkJson[]>();
  for (const mark of marks) {
    const list = byMessage.get(mark.message_id) ?? [];
    list.push(mark);
    byMessage.set(mark.message_id, list);
  }
  return messages.map((message) => {
    const found = byMessage.get(message.info.id);
    return found ? { ...message, marks: found } : message;
  });
}

/** The message, command and queue routes. */
export function messageRoutes(ctx: ApiContext): ApiRoute[] {
  const id = { id: "The session id (OpenCode's `ses_…`)" };
  const queueItem = {
    ...id,
    qid: "The queued message's id (`q_…`)",
  };
  const running = (session: SessionJson) =>
    ctx.supervisor.ensureClient(session.instance_id);
  return [
    {
      method: "GET",
      path: "/api/sessions/:id/messages",
      summary: "The session's messages, with Flock's marks",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "OpenCode's `[{ info, parts }]`, oldest first, untouched, plus `marks` on a message Flock marked (a tool call `interrupted` by a crash or stop, a reply `aborted` while retrying). An assistant `info` carries the reply's model, agent, tokens, cost and times. Their text also feeds the search index.",
        query: [
          {
            name: "limit",
            description: "Only the last N messages",
            schema: { type: "integer", minimum: 1, maximum: 10000 },
          },
          {
            name: "before",
            description: "Only messages before this message id (`msg_…`)",
            schema: { type: "string" },
          },
        ],
        responses: {
          200: {
            description: "Oldest first",
            schema: arrayOf(ref("Message")),
          },
          400: errorDoc(400),
          404: errorDoc(404),
          409: errorDoc(409, "The instance is not running"),
          502: errorDoc(502),
        },
      },
      handler: async ({ params, url }) => {
        const session = requireSession(ctx, params.id!);
        const query: { limit?: number; before?: string } = {};
        const limit = url.searchParams.get("limit");
        if (limit !== null) {
          if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1) {
            throw new BadRequestError(
              `Cannot use query "limit": expected an integer from 1 to 10000, got "${
                limit.slice(0, 20)
              }"`,
              "invalid_query",
            );
          }
          query.limit = Math.min(Number(limit), 10_000);
        }
        const before = url.searchParams.get("before");
        if (before !== null && before !== "") query.before = before;
        const messages = await (await running(session)).messages(
          session.id,
          query,
        );
        try {
          ctx.search.backfill(session.instance_id, messages);
        } catch {
          // The index catches up from the events; the answer does not wait.
        }
        return Response.json(
          withMarks(messages, ctx.marks.marksOf(session.id)),
        );
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/messages",
      summary: "Send a prompt (queued while the session is busy)",
      doc: {
        tag: "sessions",
        params: id,
        description:
          'Idle session: sent at once with OpenCode\'s `prompt_async` (202, `status: "sent"`); the reply streams as `message.part.delta` events until `session.idle`. Busy or retrying session (or messages already waiting): queued in Flock (202, `status: "queued"`) and sent, in order, the moment the session goes idle; `queue.updated` events follow the queue. `model` (`"provider/model"`), `variant` and `agent` are checked against what the instance offers; without them the session\'s own (what it used last) are sent.',
        body: {
          schema: bodySchema(SEND_MESSAGE_BODY, {
            text: {
              description: "The prompt; must not be blank",
              minLength: 1,
            },
            ...CHOICE_DOCS,
          }),
        },
        responses: SEND_RESPONSES,
      },
      handler: async ({ req, params }) => {
        const session = requireSession(ctx, params.id!);
        const body = validate(await readJson(req), SEND_MESSAGE_BODY);
        if (body.text.trim() === "") {
          throw new BadRequestError(
            'Cannot use field "text": it is empty',
            "invalid_field",
          );
        }
        checkModelForm(body.model);
        const sent = await ctx.queue.submit(session, {
          kind: "message",
          text: body.text,
          model: body.model,
          agent: body.agent,
          variant: body.variant,
        });
        return Response.json(sent, { status: 202 });
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/command",
      summary: "Run a `/` command (queued while the session is busy)",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "Runs one of the instance's commands (`GET /api/instances/{id}/commands`) with OpenCode's `POST /session/{id}/command`; sent and queued like a message. The answer comes once OpenCode has started on it.",
        body: {
          schema: bodySchema(SEND_COMMAND_BODY, {
            command: "The command's name, without the slash",
            arguments: "What the command's `$ARGUMENTS` becomes",
            ...CHOICE_DOCS,
          }),
        },
        responses: SEND_RESPONSES,
      },
      handler: async ({ req, params }) => {
        const session = requireSession(ctx, params.id!);
        const body = validate(await readJson(req), SEND_COMMAND_BODY);
        checkModelForm(body.model);
        const command = body.command.replace(/^\//, "").trim();
        if (command === "") {
          throw new BadRequestError(
            'Cannot use field "command": it is blank',
            "invalid_field",
          );
        }
        const sent = await ctx.queue.submit(session, {
          kind: "command",
          command,
          text: body.arguments ?? "",
          model: body.model,
          agent: body.agent,
          variant: body.variant,
        });
        return Response.json(sent, { status: 202 });
      },
    },
    {
      method: "GET",
      path: "/api/sessions/:id/queue",
      summary: "The session's queued follow-ups",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "In sending order: `queued`, `sending` (being handed to OpenCode) or `failed` (with `error`).",
        responses: {
          200: {
            description: "In sending order",
            schema: arrayOf(ref("QueuedMessage")),
          },
          404: errorDoc(404),
        },
      },
      handler: ({ params }) => {
        const session = requireSession(ctx, params.id!);
        return Response.json(ctx.queue.list(session.id));
      },
    },
    {
      method: "DELETE",
      path: "/api/sessions/:id/queue/:qid",
      summary: "Cancel a queued (or failed) follow-up",
      doc: {
        tag: "sessions",
        params: queueItem,
        responses: {
          200: {
            description: "Cancelled; the message as it was",
            schema: ref("QueuedMessage"),
          },
          404: errorDoc(404),
          409: errorDoc(409, "It is being sent right now"),
        },
      },
      handler: ({ params }) => {
        const session = requireSession(ctx, params.id!);
        return Response.json(ctx.queue.cancel(session.id, params.qid!));
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/queue/:qid/retry",
      summary: "Queue a failed follow-up again",
      doc: {
        tag: "sessions",
        params: queueItem,
        responses: {
          200: { description: "Queued again", schema: ref("QueuedMessage") },
          404: errorDoc(404),
          409: errorDoc(409, "It has not failed"),
        },
      },
      handler: ({ params }) => {
        const session = requireSession(ctx, params.id!);
        return Response.json(ctx.queue.retry(session.id, params.qid!));
      },
    },
    {
      method: "GET",
      path: "/api/sessions/:id/marks",
      summary: "Flock's marks on the session's messages",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "Tool calls `interrupted` when their OpenCode died or stopped, replies `aborted` while retrying; `marks.updated` events carry each new list. Readable while the instance is stopped.",
        responses: {
          200: { description: "Oldest first", schema: arrayOf(ref("Mark")) },
          404: errorDoc(404),
        },
      },
      handler: ({ params }) => {
        const session = requireSession(ctx, params.id!);
        return Response.json(ctx.marks.marksOf(session.id));
      },
    },
  ];
}
