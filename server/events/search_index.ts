/**
 * Full-text search over every session of every instance, fed from the
 * published events (never by asking the children): a session's title from
 * `session.created` / `session.updated`, a message's text from
 * `message.part.updated` (user text at once, a reply's text as it
 * completes). A session's messages fetched through the API are indexed
 * too (`backfill`), which covers what happened while Flock was not
 * listening. Searching reads only SQLite, so it works for stopped
 * instances.
 *
 * @module
 */
import { isFlockEvent } from "../contract/event_types.ts";
import type { WireEvent } from "../contract/events.ts";
import type {
  OpenCodeMessageWithParts,
  OpenCodePart,
} from "../contract/opencode.ts";
import type { SearchJson, SearchResultJson } from "../contract/search.ts";
import type { InstanceStore } from "../db/instance_store.ts";
import { ftsQuery, type SearchStore } from "../db/search_store.ts";
import type { SessionStore } from "../db/session_store.ts";

/** The longest query, in characters. */
export const MAX_QUERY_LENGTH = 200;

/** How many hits one session shows. */
const HITS_PER_SESSION = 3;

/** A query that cannot be searched: empty, no words, or too long. */
export class SearchQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SearchQueryError";
  }
}

/** Options for {@linkcode SearchIndex}. */
export interface SearchIndexOptions {
  store: SearchStore;
  sessions: SessionStore;
  instances: InstanceStore;
}

/** The text of a part worth finding (a person's or the model's words). */
function searchableText(part: OpenCodePart): string | undefined {
  if (part.type !== "text" || part.synthetic === true || part.ignored) {
    return undefined;
  }
  const text = part.text.trim();
  return text === "" ? undefined : text;
}

/** See the module documentation. */
export class SearchIndex {
  #store: SearchStore;
  #sessions: SessionStore;
  #instances: InstanceStore;

  constructor(options: SearchIndexOptions) {
    this.#store = options.store;
    this.#sessions = options.sessions;
    this.#instances = options.instances;
  }

  /** Applies one published event. */
  apply(event: WireEvent): void {
    if (!isFlockEvent(event)) return;
    switch (event.type) {
      case "session.created":
      case "session.updated": {
        const info = event.properties.info;
        this.#store.put({
          kind: "title",
          session_id: info.id,
          instance_id: event.instance_id,
          message_id: null,
          part_id: null,
          body: info.title,
        });
        return;
      }
      case "session.deleted":
        this.#store.forgetSession(event.properties.info.id);
        return;
      case "message.part.updated":
        this.#putPart(event.instance_id, event.properties.part);
        return;
      default:
        return;
    }
  }

  /** Indexes the text of messages fetched from an instance. */
  backfill(
    instanceId: string,
    messages: readonly OpenCodeMessageWithParts[],
  ): void {
    for (const message of messages) {
      for (const part of message.parts) this.#putPart(instanceId, part);
    }
  }

  /**
   * Finds sessions by title and message text, most relevant first.
   *
   * @throws {SearchQueryError} for an empty, wordless or too long query.
   */
  search(typed: string, limit: number): SearchJson {
    const query = typed.trim();
    if (query === "") throw new SearchQueryError("it is empty");
    if (query.length > MAX_QUERY_LENGTH) {
      throw new SearchQueryError(
        `it is longer than ${MAX_QUERY_LENGTH} characters`,
      );
    }
    const fts = ftsQuery(query);
    if (fts === null) {
      throw new SearchQueryError("it has no letters or digits to look for");
    }
    const bySession = new Map<string, SearchResultJson>();
    const names = new Map<string, string>();
    for (const hit of this.#store.match(fts, 500)) {
      let result = bySession.get(hit.session_id);
      if (!result) {
        if (bySession.size >= limit) continue;
        const session = this.#sessions.get(hit.session_id);
        if (!session) continue;
        let name = names.get(session.instance_id);
        if (name === undefined) {
          name = this.#instances.get(session.instance_id)?.name ?? "";
          names.set(session.instance_id, name);
        }
        result = { session, instance_name: name, hits: [] };
        bySession.set(hit.session_id, result);
      }
      if (result.hits.length >= HITS_PER_SESSION) continue;
      const { session_id: _, ...rest } = hit;
      result.hits.push(rest);
    }
    return { query, results: [...bySession.values()] };
  }

  #putPart(instanceId: string, part: OpenCodePart): void {
    const body = searchableText(part);
    if (body === undefined) return;
    this.#store.put({
      kind: "text",
      session_id: part.sessionID,
      instance_id: instanceId,
      message_id: part.messageID,
      part_id: part.id,
      body,
    });
  }
}
