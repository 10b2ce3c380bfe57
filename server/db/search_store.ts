/**
 * The search index: `search_docs` (every session title and message text
 * part Flock has seen, by key) and its FTS5 index `search_fts`, kept in
 * step by triggers. Queries return snippets as plain segments, never
 * HTML.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { SearchHitJson, SnippetSegment } from "../contract/search.ts";
import { prepareCached } from "./database.ts";
import { oneOf, text, textOrNull } from "./row.ts";

/** One document: a session's title, or one text part of a message. */
export interface SearchDoc {
  kind: "title" | "text";
  session_id: string;
  instance_id: string;
  message_id: string | null;
  part_id: string | null;
  body: string;
}

/** One matching document, best first. */
export interface SearchMatch extends SearchHitJson {
  session_id: string;
}

const START = "\u0001";
const END = "\u0002";

/** The most search terms a query may have. */
export const MAX_QUERY_TERMS = 16;

/**
 * The FTS5 query for what a person typed: every word must appear, each
 * as a prefix (`"colo"*` finds "colour"); punctuation separates words.
 * Null when there is no word at all.
 *
 * @example
 * ```ts
 * ftsQuery('blue "button"'); // '"blue"* "button"*'
 * ftsQuery("!!!"); // null
 * ```
 */
export function ftsQuery(typed: string): string | null {
  const words = typed.normalize("NFKC").match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (words.length === 0) return null;
  return words.slice(0, MAX_QUERY_TERMS).map((w) => `"${w}"*`).join(" ");
}

/**
 * Splits an FTS5 snippet made with the control markers into segments.
 *
 * @example
 * ```ts
 * segmentsOf("a \u0001b\u0002 c"); // [{ text: "a ", hit: false }, { text: "b", hit: true }, { text: " c", hit: false }]
 * ```
 */
export function segmentsOf(snippet: string): SnippetSegment[] {
  const out: SnippetSegment[] = [];
  let rest = snippet;
  while (rest !== "") {
    const start = rest.indexOf(START);
    if (start < 0) {
      out.push({ text: rest, hit: false });
      break;
    }
    if (start > 0) out.push({ text: rest.slice(0, start), hit: false });
    const end = rest.indexOf(END, start + 1);
    const hit = rest.slice(start + 1, end < 0 ? undefined : end);
    if (hit !== "") out.push({ text: hit, hit: true });
    rest = end < 0 ? "" : rest.slice(end + 1);
  }
  // Adjacent hits ("blue button" → two) read better as one.
  return out.reduce<SnippetSegment[]>((merged, segment) => {
    const last = merged.at(-1);
    if (last && last.hit === segment.hit) last.text += segment.text;
    else merged.push({ ...segment });
    return merged;
  }, []);
}

/** The search index. */
export class SearchStore {
  #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * Adds or replaces a document (keyed by `title:<session>` or the part
   * id). Writes only when the text changed.
   */
  put(doc: SearchDoc): void {
    const body = doc.body.replaceAll(START, " ").replaceAll(END, " ");
    const key = doc.kind === "title" ? `title:${doc.session_id}` : doc.part_id;
    if (key === null) return;
    prepareCached(
      this.#db,
      `INSERT INTO search_docs (key, kind, session_id, instance_id, message_id, part_id, body)
       VALUES (:key, :kind, :session_id, :instance_id, :message_id, :part_id, :body)
       ON CONFLICT (key) DO UPDATE SET body = excluded.body
       WHERE search_docs.body != excluded.body`,
    ).run({ ...doc, key, body });
  }

  /** Forgets a session's documents. */
  forgetSession(sessionId: string): void {
    prepareCached(this.#db, "DELETE FROM search_docs WHERE session_id = ?")
      .run(sessionId);
  }

  /**
   * The documents that match an FTS5 query (from {@linkcode ftsQuery}),
   * best first, at most `limit`.
   */
  match(query: string, limit: number): SearchMatch[] {
    return prepareCached(
      this.#db,
      `SELECT d.session_id, d.kind, d.message_id, d.part_id,
         snippet(search_fts, 0, char(1), char(2), '…', 16) AS snip
       FROM search_fts JOIN search_docs d ON d.rowid = search_fts.rowid
       WHERE search_fts MATCH ?
       ORDER BY bm25(search_fts) LIMIT ?`,
    ).all(query, limit).map((row) => ({
      session_id: text(row, "session_id"),
      kind: oneOf(row, "kind", ["title", "text"] as const),
      message_id: textOrNull(row, "message_id"),
      part_id: textOrNull(row, "part_id"),
      snippet: segmentsOf(text(row, "snip")),
    }));
  }
}
