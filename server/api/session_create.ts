/**
 * `POST /api/instances/{id}/sessions`: a session in the instance's own
 * directory, or (`"worktree": true | { branch, base? }`) in a git worktree
 * Flock makes for it.
 *
 * @module
 */
import type { InstanceJson } from "../contract/instances.ts";
import { sessionRowOf } from "../contract/session_row.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { validate } from "../http/json_body.ts";
import { parseWorktreeRequest } from "../worktrees/worktree_request.ts";
import type { ApiContext } from "./api_context.ts";
import { CREATE_SESSION_BODY } from "./instances.ts";
import { bodySchema, type JsonSchema } from "./openapi.ts";
import { WORKTREE_FIELD_SCHEMA } from "./openapi_worktrees.ts";

/** The documented body of `POST /api/instances/{id}/sessions`. */
export function createSessionBodySchema(): JsonSchema {
  const schema = bodySchema(CREATE_SESSION_BODY, {
    title: "The title; OpenCode names it after the first prompt when omitted",
  });
  return {
    ...schema,
    properties: {
      ...(schema.properties as Record<string, JsonSchema>),
      worktree: WORKTREE_FIELD_SCHEMA,
    },
  };
}

function withoutWorktree(body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return body;
  }
  const rest: Record<string, unknown> = { ...body };
  delete rest.worktree;
  return rest;
}

function worktreeField(body: unknown): unknown {
  return typeof body === "object" && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>).worktree
    : undefined;
}

/**
 * Creates the session (and its worktree when asked) and records it.
 *
 * @throws {BadRequestError} for a bad body; git's errors for a bad branch,
 * base or a directory outside git (400) or an existing branch (409).
 */
export async function createSession(
  ctx: ApiContext,
  instance: InstanceJson,
  body: unknown,
): Promise<SessionJson> {
  const request = parseWorktreeRequest(worktreeField(body));
  const fields = validate(withoutWorktree(body), CREATE_SESSION_BODY);
  const client = await ctx.supervisor.ensureClient(instance.id);
  const input = fields.title === undefined ? {} : { title: fields.title };
  const prepared = request === null
    ? null
    : await ctx.worktrees.prepare(instance, request, fields.title);
  let created;
  try {
    created = await client.createSession(
      input,
      prepared === null ? {} : { directory: prepared.directory },
    );
  } catch (error) {
    if (prepared !== null) await ctx.worktrees.discard(prepared);
    throw error;
  }
  if (prepared !== null) {
    ctx.worktrees.adopt(created.id, instance.id, prepared);
  }
  const row = sessionRowOf(
    instance.id,
    created,
    ctx.sessions.get(created.id)?.status ?? "idle",
  );
  if (row) ctx.sessions.upsert(row);
  const session = ctx.sessions.get(created.id);
  if (!session) {
    throw new Error(`Cannot record the new session ${created.id}`);
  }
  return session;
}
