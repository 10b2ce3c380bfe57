/**
 * One fuzz request and its result: their shapes, the verdict on a result,
 * and a description good enough to replay a failure by hand.
 *
 * @module
 */

/** One generated request, described well enough to replay by hand. */
export interface FuzzCase {
  index: number;
  kind: "fetch" | "raw";
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  /** Raw mode: the exact bytes sent. */
  raw?: Uint8Array;
  /** Raw mode: whether the request is malformed at the HTTP level (Deno's HTTP layer may answer it, without JSON). */
  protocolAbuse?: boolean;
  note: string;
}

export interface FuzzResult {
  status: number;
  contentType: string;
  body: string;
}

/** Content types, valid and not. */
export const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/vnd.api+json",
  "application/json; charset=utf-16",
  "text/plain",
  "text/plain;charset=UTF-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/xml",
  "*/*",
  "json",
  "application/jsonx",
  ";;;",
];

/** The methods `fetch` can send. */
export const METHODS = [
  "GET",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "HEAD",
  "OPTIONS",
];
/** Methods for raw requests, odd ones included. */
export const RAW_METHODS = [...METHODS, "TRACE", "PROPFIND", "FOO", "get"];

/** Why a result is a failure, or undefined when it is fine. */
export function judge(c: FuzzCase, r: FuzzResult): string | undefined {
  if (r.status >= 500) return `5xx (${r.status})`;
  if (r.status === 0) {
    // Malformed framing may end with only an interim 100 and a close.
    return c.kind === "raw" && c.protocolAbuse
      ? undefined
      : "no HTTP status line";
  }
  if (r.status >= 400 && c.method.toUpperCase() !== "HEAD") {
    if (
      c.kind === "raw" && c.protocolAbuse && !r.contentType.includes("json")
    ) {
      return undefined; // Deno's HTTP layer refused malformed framing itself.
    }
    if (!/application\/json/.test(r.contentType)) {
      return `4xx without JSON content-type (${r.status}, ${r.contentType})`;
    }
    try {
      const parsed = JSON.parse(r.body) as {
        error?: { code?: unknown; message?: unknown };
      };
      if (
        typeof parsed.error?.code !== "string" ||
        typeof parsed.error?.message !== "string"
      ) return `4xx body is not {error:{code,message}} (${r.status})`;
    } catch {
      return `4xx body is not JSON (${r.status})`;
    }
  }
  return undefined;
}

/** One line that says what was sent. */
export function describe(c: FuzzCase): string {
  const body = c.body === undefined
    ? ""
    : typeof c.body === "string"
    ? ` body=${JSON.stringify(c.body.slice(0, 120))}${
      c.body.length > 120 ? `…(${c.body.length})` : ""
    }`
    : ` body=<${c.body.length} bytes>`;
  return `#${c.index} ${c.kind} ${c.method} ${
    c.path.slice(0, 160)
  } [${c.note}] headers=${JSON.stringify(c.headers).slice(0, 200)}${body}`;
}
