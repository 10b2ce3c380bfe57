/**
 * Raw HTTP/1.1 fuzz requests, written byte by byte: lying or conflicting
 * lengths, bad chunking, duplicate or foreign Host headers, odd methods and
 * request targets that `fetch` cannot send.
 *
 * @module
 */
import { CONTENT_TYPES, type FuzzCase, RAW_METHODS } from "./fuzz_case.ts";
import type { Gen } from "./random.ts";

/** A raw request for `path`; `protocolAbuse` marks HTTP-level malformation. */
export function rawCase(
  gen: Gen,
  index: number,
  routeMethod: string,
  path: string,
  port: number,
  ids: readonly string[],
): FuzzCase {
  const method = gen.chance(0.6) ? routeMethod : gen.pick(RAW_METHODS);
  const rawPath = gen.chance(0.3)
    ? gen.pick([
      "/api/instances/../../../etc/passwd",
      "/api/instances/./x/..",
      "/api//instances",
      "/api/sessions/%2e%2e",
      "/api/instances/" + "a".repeat(8000),
    ])
    : path;
  const lines = [`${method} ${rawPath} HTTP/1.1`];
  const hostMode = gen.float();
  // A request-target with spaces, controls or raw non-ASCII is not HTTP.
  let protocolAbuse = !/^[\x21-\x7e]+$/.test(rawPath);
  if (hostMode < 0.55) lines.push(`Host: 127.0.0.1:${port}`);
  else if (hostMode < 0.65) lines.push(`Host: localhost:${port}`);
  else if (hostMode < 0.9) {
    lines.push(
      `Host: ${
        gen.pick([
          "evil.example",
          `evil.example:${port}`,
          "127.0.0.1:1",
          "localhost.",
          "[::1]:x",
          "0x7f000001",
          "127.1",
          "",
          "a b",
          "LOCALHOST:" + port,
          "127.0.0.1:" + port + ".evil",
        ])
      }`,
    );
  } else {
    lines.push(`Host: 127.0.0.1:${port}`, "Host: evil.example");
    protocolAbuse = true; // two Host headers
  }
  if (gen.chance(0.2)) {
    lines.push(
      `Origin: ${
        gen.pick(["http://evil.example", "null", `http://127.0.0.1:${port}`])
      }`,
    );
  }
  if (gen.chance(0.1)) lines.push("Accept: text/event-stream");
  const body = new TextEncoder().encode(
    gen.chance(0.7)
      ? JSON.stringify(gen.object(0, ids))
      : gen.pick(["{", "", "[]"]),
  );
  const hasBody = method !== "GET" && method !== "HEAD" && gen.chance(0.8);
  let sendBody = new Uint8Array();
  let halfClose = false;
  if (hasBody) {
    lines.push(`Content-Type: ${gen.pick(CONTENT_TYPES)}`);
    const lie = gen.float();
    if (lie < 0.5) lines.push(`Content-Length: ${body.length}`);
    else if (lie < 0.65) {
      // Declares more than is sent, then half-closes.
      lines.push(`Content-Length: ${body.length + 50}`);
      halfClose = true;
    } else if (lie < 0.75) {
      lines.push(`Content-Length: ${Math.max(0, body.length - 3)}`);
      protocolAbuse = true; // the rest is read as a (bad) next request
    } else if (lie < 0.85) {
      lines.push(
        gen.pick([
          "Content-Length: abc",
          "Content-Length: -1",
          `Content-Length: ${body.length}`,
          "Content-Length: 99999999999999999999",
        ]),
      );
      if (!lines.at(-1)?.endsWith(String(body.length))) protocolAbuse = true;
      if (lines.at(-1)?.endsWith(String(body.length))) {
        lines.push(`Content-Length: ${body.length + 1}`); // two conflicting lengths
        protocolAbuse = true;
      }
    } else {
      lines.push("Transfer-Encoding: chunked");
      const chunked = gen.chance(0.5)
        ? `${body.length.toString(16)}\r\n${
          new TextDecoder().decode(body)
        }\r\n0\r\n\r\n`
        : "zz\r\nnot hex\r\n";
      if (chunked.startsWith("zz")) protocolAbuse = true;
      sendBody = new TextEncoder().encode(chunked);
    }
    if (sendBody.length === 0) sendBody = body;
  }
  if (gen.chance(0.1)) {
    lines.push(gen.pick([
      "X-Long: " + "a".repeat(20_000),
      "X-Weird: \u00ff\u00fe",
      "Cookie: " + "c=1; ".repeat(500),
      "Expect: 100-continue",
      "Connection: upgrade",
      "Upgrade: websocket",
    ]));
  }
  lines.push("Connection: close");
  const head = new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n");
  const raw = new Uint8Array(head.length + sendBody.length);
  raw.set(head);
  raw.set(sendBody, head.length);
  return {
    index,
    kind: "raw",
    method,
    path: rawPath,
    headers: { "x-half-close": String(halfClose) },
    body: sendBody,
    raw,
    protocolAbuse,
    note: lines.slice(1, -1).map((l) => l.slice(0, 80)).join(" | "),
  };
}
