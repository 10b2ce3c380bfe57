/**
 * Keeps the `sessions` table in step with the events Flock publishes:
 * OpenCode's `session.*` events and Flock's own `instance.status`. It never
 * throws: a malformed event is logged and skipped.
 *
 * | event | effect |
 * |---|---|
 * | `session.created` / `session.updated` | upsert title and times (root sessions only; status kept) |
 * | `session.deleted` | delete |
 * | `session.status` | busy / retry / idle |
 * | `session.idle` | idle |
 * | `session.error` | error (a later idle makes it idle again) |
 * | `instance.status` not `running` | busy/retry sessions of the instance become idle |
 *
 * @module
 */
import type { FlockEvent, SessionStatus } from "../api_types.ts";
import type { NewSession, SessionStore } from "../db/session_store.ts";
import { log } from "../log.ts";
import type {
  OpenCodeSession,
  OpenCodeSessionStatus,
} from "../opencode/opencode_client.ts";
import { sessionIdOf } from "./event_scope.ts";

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/** Converts OpenCode's epoch-ms time to the ISO form the tables use. */
export function isoTime(ms: unknown): string | undefined {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Maps an OpenCode status (`busy`, `retry`, `idle`) to Flock's. */
export function sessionStatusOf(status: unknown): SessionStatus | undefined {
  const type = record(status)?.type;
  return type === "busy" || type === "retry" || type === "idle"
    ? type
    : undefined;
}

/**
 * Turns an OpenCode session (REST or event `info`) into a row, or
 * undefined when it is not a usable root session.
 */
export function sessionRow(
  instanceId: string,
  info: unknown,
  status: SessionStatus = "idle",
): NewSession | undefined {
  const s = record(info);
  if (!s || typeof s.id !== "string" || s.id === "") return undefined;
  if (typeof s.parentID === "string" && s.parentID !== "") return undefined;
  const time = record(s.time);
  const row: NewSession = {
    id: s.id,
    instance_id: instanceId,
    title: typeof s.title === "string" ? s.title : "",
    status,
  };
  const created = isoTime(time?.created);
  const updated = isoTime(time?.updated);
  if (created !== undefined) row.created_at = created;
  if (updated !== undefined) row.updated_at = updated;
  return row;
}

/** Applies events and status snapshots to the session table. */
export class SessionTracker {
  #sessions: SessionStore;

  constructor(sessions: SessionStore) {
    this.#sessions = sessions;
  }

  /** Applies one published event. Never throws. */
  apply(event: FlockEvent): void {
    try {
      this.#apply(event);
    } catch (error) {
      log.warn(`Cannot apply ${String(event.type)} to the sessions:`, error);
    }
  }

  /**
   * Applies `GET /session/status` after an upstream (re)connect: listed
   * sessions become busy/retry, recorded busy/retry sessions missing from
   * the map become idle (the events that said so were missed). Never throws.
   */
  resync(
    instanceId: string,
    statuses: Readonly<Record<string, OpenCodeSessionStatus>>,
  ): void {
    try {
      for (const session of this.#sessions.listByInstance(instanceId)) {
        const now = sessionStatusOf(statuses[session.id]) ?? "idle";
        if (now === "idle") {
          if (session.status === "busy" || session.status === "retry") {
            this.#sessions.setStatus(session.id, "idle");
          }
        } else if (session.status !== now) {
          this.#sessions.setStatus(session.id, now);
        }
      }
    } catch (error) {
      log.warn(`Cannot resync the sessions of ${instanceId}:`, error);
    }
  }

  /**
   * Replaces the instance's rows with OpenCode's root sessions, keeping the
   * recorded status of sessions that stay.
   */
  replace(instanceId: string, sessions: readonly OpenCodeSession[]): void {
    const known = new Map(
      this.#sessions.listByInstance(instanceId).map((s) => [s.id, s.status]),
    );
    const rows: NewSession[] = [];
    for (const s of sessions) {
      const row = sessionRow(instanceId, s, known.get(s.id) ?? "idle");
      if (row) rows.push(row);
    }
    this.#sessions.replaceForInstance(instanceId, rows);
  }

  #apply(event: FlockEvent): void {
    const props = record(event.properties) ?? {};
    if (event.type === "instance.status") {
      const status = record(record(props.instance))?.status;
      if (status !== "running") {
        this.#sessions.settleInstance(event.instance_id);
      }
      return;
    }
    if (event.type === "instance.removed") return;
    switch (event.type) {
      case "session.created":
      case "session.updated": {
        const info = record(props.info);
        const id = typeof info?.id === "string" ? info.id : undefined;
        const existing = id ? this.#sessions.get(id) : undefined;
        if (existing && existing.instance_id !== event.instance_id) return;
        const row = sessionRow(
          event.instance_id,
          info,
          existing?.status ?? "idle",
        );
        if (row) this.#sessions.upsert(row);
        return;
      }
      case "session.deleted": {
        const id = sessionIdOf(event);
        if (id) this.#sessions.delete(id);
        return;
      }
      case "session.status": {
        const id = sessionIdOf(event);
        const status = sessionStatusOf(props.status);
        if (id && status) this.#sessions.setStatus(id, status);
        return;
      }
      case "session.idle": {
        const id = sessionIdOf(event);
        if (id) this.#sessions.setStatus(id, "idle");
        return;
      }
      case "session.error": {
        const id = sessionIdOf(event);
        if (id) this.#sessions.setStatus(id, "error");
        return;
      }
    }
  }
}
