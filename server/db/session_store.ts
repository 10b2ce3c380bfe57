/**
 * The `sessions` table: Flock's record of OpenCode sessions per instance,
 * top-level sessions and subagents' child sessions (`parent_id`) alike.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { UsageJson } from "../contract/catalog.ts";
import { tokensOf } from "../contract/session_row.ts";
import type {
  SessionJson,
  SessionStatus,
  TokensJson,
} from "../contract/sessions.ts";
import { prepareCached, transaction } from "./database.ts";
import { int, oneOf, type Row, text, textOrNull } from "./row.ts";

const SESSION_STATUSES: readonly SessionStatus[] = [
  "idle",
  "busy",
  "retry",
  "error",
];

function realOrNull(row: Row, column: string): number | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  return typeof value === "bigint" ? Number(value) : int(row, column);
}

function parseTokens(json: string | null): TokensJson | undefined {
  if (json === null) return undefined;
  try {
    return tokensOf(JSON.parse(json));
  } catch {
    return undefined;
  }
}

function toJson(row: Row): SessionJson {
  const session: SessionJson = {
    id: text(row, "id"),
    instance_id: text(row, "instance_id"),
    title: text(row, "title"),
    status: oneOf(row, "status", SESSION_STATUSES),
    created_at: text(row, "created_at"),
    updated_at: text(row, "updated_at"),
    branch: textOrNull(row, "branch"),
    base: textOrNull(row, "base"),
  };
  const directory = textOrNull(row, "directory");
  if (directory !== null) session.directory = directory;
  const parent = textOrNull(row, "parent_id");
  if (parent !== null) session.parent_id = parent;
  const model = textOrNull(row, "model");
  if (model !== null) session.model = model;
  const variant = textOrNull(row, "variant");
  if (variant !== null) session.variant = variant;
  const agent = textOrNull(row, "agent");
  if (agent !== null) session.agent = agent;
  const tokens = parseTokens(textOrNull(row, "tokens"));
  if (tokens) session.tokens = tokens;
  const cost = realOrNull(row, "cost");
  if (cost !== null) session.cost = cost;
  return session;
}

function toJsonOrUndefined(row: Row | undefined): SessionJson | undefined {
  return row ? toJson(row) : undefined;
}

/** What is needed to record a session (the optional fields as in {@linkcode SessionJson}). */
export type NewSession =
  & Pick<SessionJson, "id" | "instance_id" | "title">
  & Partial<Omit<SessionJson, "id" | "instance_id" | "title">>;

/** The row's columns, with its worktree's branch and base (`session_worktrees`). */
const COLUMNS =
  "id, instance_id, title, status, created_at, updated_at, parent_id, model, variant, agent, tokens, cost, directory, " +
  "(SELECT w.branch FROM session_worktrees w WHERE w.session_id = sessions.id) AS branch, " +
  "(SELECT w.base FROM session_worktrees w WHERE w.session_id = sessions.id) AS base";

const EMPTY_TOKENS: TokensJson = {
  input: 0,
  output: 0,
  reasoning: 0,
  cache: { read: 0, write: 0 },
};

/** Reads and writes session rows. */
export class SessionStore {
  #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * Inserts a session, or updates it if it exists. A field the new record
   * lacks (model, agent, tokens … before OpenCode reports them) keeps its
   * recorded value.
   */
  upsert(session: NewSession): SessionJson {
    const row = prepareCached(
      this.#db,
      `INSERT INTO sessions (id, instance_id, title, status, created_at, updated_at,
         parent_id, model, variant, agent, tokens, cost, directory)
       VALUES (:id, :instance_id, :title, :status,
         COALESCE(:created_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
         COALESCE(:updated_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
         :parent_id, :model, :variant, :agent, :tokens, :cost, :directory)
       ON CONFLICT (id) DO UPDATE SET
         title = excluded.title,
         status = excluded.status,
         updated_at = excluded.updated_at,
         parent_id = COALESCE(excluded.parent_id, sessions.parent_id),
         model = COALESCE(excluded.model, sessions.model),
         variant = CASE WHEN excluded.model IS NULL THEN sessions.variant
           ELSE excluded.variant END,
         agent = COALESCE(excluded.agent, sessions.agent),
         tokens = COALESCE(excluded.tokens, sessions.tokens),
         cost = COALESCE(excluded.cost, sessions.cost),
         directory = COALESCE(excluded.directory, sessions.directory)
       RETURNING ${COLUMNS}`,
    ).get({
      id: session.id,
      instance_id: session.instance_id,
      title: session.title,
      status: session.status ?? "idle",
      created_at: session.created_at ?? null,
      updated_at: session.updated_at ?? null,
      parent_id: session.parent_id ?? null,
      model: session.model ?? null,
      variant: session.variant ?? null,
      agent: session.agent ?? null,
      tokens: session.tokens ? JSON.stringify(session.tokens) : null,
      cost: session.cost ?? null,
      directory: session.directory ?? null,
    });
    if (!row) throw new Error(`Cannot record session: ${session.id}`);
    return toJson(row);
  }

  /** Returns the session, or undefined. */
  get(id: string): SessionJson | undefined {
    return toJsonOrUndefined(
      prepareCached(this.#db, `SELECT ${COLUMNS} FROM sessions WHERE id = ?`)
        .get(id),
    );
  }

  /** The instance's top-level sessions, newest first. */
  listByInstance(instanceId: string): SessionJson[] {
    return prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM sessions
       WHERE instance_id = ? AND parent_id IS NULL
       ORDER BY created_at DESC, rowid DESC`,
    ).all(instanceId).map(toJson);
  }

  /** The instance's subagent (child) sessions, newest first. */
  listChildrenByInstance(instanceId: string): SessionJson[] {
    return prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM sessions
       WHERE instance_id = ? AND parent_id IS NOT NULL
       ORDER BY created_at DESC, rowid DESC`,
    ).all(instanceId).map(toJson);
  }

  /** The direct child sessions of a session, oldest first. */
  listChildren(parentId: string): SessionJson[] {
    return prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM sessions WHERE parent_id = ?
       ORDER BY created_at, rowid`,
    ).all(parentId).map(toJson);
  }

  /**
   * The top-level session `id` belongs to: itself, or its parents' root
   * for a child session (as far as the recorded parents go).
   */
  rootOf(id: string): string {
    const row = prepareCached(
      this.#db,
      `WITH RECURSIVE up(id, parent_id, depth) AS (
         SELECT id, parent_id, 0 FROM sessions WHERE id = ?
         UNION ALL
         SELECT s.id, s.parent_id, up.depth + 1 FROM sessions s
         JOIN up ON s.id = up.parent_id WHERE up.depth < 64
       )
       SELECT id, parent_id FROM up ORDER BY depth DESC LIMIT 1`,
    ).get(id);
    if (!row) return id;
    return textOrNull(row, "parent_id") ?? text(row, "id");
  }

  /** Sets the status (and bumps `updated_at`). Returns the session, or undefined. */
  setStatus(id: string, status: SessionStatus): SessionJson | undefined {
    return toJsonOrUndefined(
      prepareCached(
        this.#db,
        `UPDATE sessions SET status = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       WHERE id = ? RETURNING ${COLUMNS}`,
      ).get(status, id),
    );
  }

  /** Sets the title. Returns the session, or undefined. */
  setTitle(id: string, title: string): SessionJson | undefined {
    return toJsonOrUndefined(
      prepareCached(
        this.#db,
        `UPDATE sessions SET title = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       WHERE id = ? RETURNING ${COLUMNS}`,
      ).get(title, id),
    );
  }

  /** Deletes the session. Returns whether it existed. */
  delete(id: string): boolean {
    return Number(
      prepareCached(this.#db, "DELETE FROM sessions WHERE id = ?").run(id)
        .changes,
    ) > 0;
  }

  /**
   * Replaces the instance's recorded sessions with `sessions` (as synced from
   * OpenCode): upserts each, deletes rows OpenCode no longer has. Only the
   * top-level sessions are replaced, unless `children` is given too (then
   * the child sessions are replaced by it).
   */
  replaceForInstance(
    instanceId: string,
    sessions: NewSession[],
    children?: NewSession[],
  ): SessionJson[] {
    return transaction(this.#db, () => {
      const keep = new Set(sessions.map((s) => s.id));
      for (const s of this.listByInstance(instanceId)) {
        if (!keep.has(s.id)) this.delete(s.id);
      }
      for (const s of sessions) this.upsert(s);
      if (children) {
        const keepChildren = new Set(children.map((s) => s.id));
        for (const s of this.listChildrenByInstance(instanceId)) {
          if (!keepChildren.has(s.id)) this.delete(s.id);
        }
        for (const s of children) this.upsert(s);
      }
      return this.listByInstance(instanceId);
    });
  }

  /** Marks every busy or retrying session of the instance idle (its child is gone). */
  settleInstance(instanceId: string): void {
    prepareCached(
      this.#db,
      `UPDATE sessions SET status = 'idle', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       WHERE instance_id = ? AND status IN ('busy', 'retry')`,
    ).run(instanceId);
  }

  /** The instance's sessions summed up (subagents' child sessions included). */
  usage(instanceId: string): UsageJson {
    const rows = prepareCached(
      this.#db,
      "SELECT status, tokens, cost FROM sessions WHERE instance_id = ?",
    ).all(instanceId);
    const tokens = structuredClone(EMPTY_TOKENS);
    let cost = 0;
    let busy = 0;
    for (const row of rows) {
      const status = text(row, "status");
      if (status === "busy" || status === "retry") busy++;
      cost += realOrNull(row, "cost") ?? 0;
      const t = parseTokens(textOrNull(row, "tokens"));
      if (!t) continue;
      tokens.input += t.input;
      tokens.output += t.output;
      tokens.reasoning += t.reasoning;
      tokens.cache.read += t.cache.read;
      tokens.cache.write += t.cache.write;
    }
    return {
      instance_id: instanceId,
      sessions: rows.length,
      busy,
      cost,
      tokens,
    };
  }
}
