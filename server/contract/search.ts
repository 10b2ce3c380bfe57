/**
 * Search results on the wire (`GET /api/search?q=`).
 *
 * @module
 */
import type { SessionJson } from "./sessions.ts";

/**
 * One piece of a snippet: text to show as is, `hit` when it matched the
 * query (highlight it). Never HTML.
 */
export interface SnippetSegment {
  text: string;
  hit: boolean;
}

/** One place a session matched. */
export interface SearchHitJson {
  /** The session's title, or a message's text. */
  kind: "title" | "text";
  /** The message (`msg_…`) and part of a text hit; null for the title. */
  message_id: string | null;
  part_id: string | null;
  snippet: SnippetSegment[];
}

/** One session that matched, with its best hits (most relevant first). */
export interface SearchResultJson {
  session: SessionJson;
  instance_name: string;
  hits: SearchHitJson[];
}

/** `GET /api/search`. */
export interface SearchJson {
  query: string;
  results: SearchResultJson[];
}
