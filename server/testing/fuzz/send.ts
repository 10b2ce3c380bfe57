/**
 * Sends fuzz requests (through `fetch`, or raw over TCP) and runs a whole
 * fuzz campaign against a live Flock.
 *
 * @module
 */
import type { Route } from "../../http/router.ts";
import {
  describe,
  type FuzzCase,
  type FuzzResult,
  judge,
} from "./fuzz_case.ts";
import { generate } from "./generate.ts";
import { Gen } from "./random.ts";

const REQUEST_TIMEOUT_MS = 15_000;

/** Sends a case with `fetch`; "skipped" when `fetch` refuses to build it. */
export async function sendFetch(
  base: string,
  c: FuzzCase,
): Promise<FuzzResult | "skipped"> {
  let url: URL;
  try {
    url = new URL(c.path, base);
  } catch {
    return "skipped";
  }
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(url, {
      method: c.method,
      headers: c.headers,
      ...(c.body === undefined ? {} : { body: c.body as BodyInit }),
      redirect: "manual",
      signal,
    });
  } catch (error) {
    if (error instanceof TypeError && !signal.aborted) return "skipped"; // the client refused to build it
    throw error;
  }
  const contentType = res.headers.get("content-type") ?? "";
  if (contentType.includes("text/event-stream")) {
    await res.body?.cancel();
    return { status: res.status, contentType, body: "" };
  }
  return { status: res.status, contentType, body: await res.text() };
}

/** Sends a case's raw bytes over TCP; "closed" when no response came. */
export async function sendRaw(
  port: number,
  c: FuzzCase,
): Promise<FuzzResult | "closed"> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* already closed */ }
  }, REQUEST_TIMEOUT_MS);
  try {
    try {
      await conn.write(c.raw ?? new Uint8Array());
      if (c.headers["x-half-close"] === "true") await conn.closeWrite();
    } catch {
      // The server may answer and close before reading everything.
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    const buf = new Uint8Array(65536);
    let text = "";
    while (true) {
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch {
        n = null;
      }
      if (n === null) break;
      chunks.push(buf.slice(0, n));
      total += n;
      text = new TextDecoder().decode(concat(chunks, total));
      const final = text.replace(/^(HTTP\/1\.[01] 1\d\d[^]*?\r\n\r\n)+/, "");
      const end = final.indexOf("\r\n\r\n");
      if (end < 0) continue;
      const head = final.slice(0, end).toLowerCase();
      if (head.includes("text/event-stream")) break;
      const len = /\r\ncontent-length:\s*(\d+)/.exec(head);
      const bodyBytes = new TextEncoder().encode(final.slice(end + 4)).length;
      if (len && bodyBytes >= Number(len[1])) break;
      if (!len && !head.includes("chunked")) break;
      if (head.includes("chunked") && final.endsWith("0\r\n\r\n")) break;
    }
    if (text === "") return "closed";
    // Skip interim responses (100 Continue).
    while (/^HTTP\/1\.[01] 1\d\d/.test(text)) {
      const cut = text.indexOf("\r\n\r\n");
      if (cut < 0) break;
      text = text.slice(cut + 4);
    }
    const end = text.indexOf("\r\n\r\n");
    const head = end < 0 ? text : text.slice(0, end);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? "0");
    const contentType = /\r\ncontent-type:\s*([^\r\n]*)/i.exec(head)?.[1] ?? "";
    let body = end < 0 ? "" : text.slice(end + 4);
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) body = dechunk(body);
    return { status, contentType, body };
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function dechunk(s: string): string {
  let out = "";
  let rest = s;
  while (true) {
    const nl = rest.indexOf("\r\n");
    if (nl < 0) break;
    const size = parseInt(rest.slice(0, nl), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
  return out;
}

/** What a fuzz campaign is run against. */
export interface FuzzTarget {
  /** Flock's base URL. */
  base: string;
  port: number;
  /** The route table to fuzz. */
  routes: readonly Route[];
  /** Real ids to mix in (instances, sessions). */
  ids: readonly string[];
  /** A secret no response may contain (a child's password). */
  secret?: string;
}

/** The outcome of a campaign. */
export interface FuzzReport {
  sent: number;
  /** Cases `fetch` refused to build. */
  skipped: number;
  /** Response count by status. */
  statuses: Record<string, number>;
  /** One line per failing request. */
  failures: string[];
}

/**
 * Sends `count` generated requests from `seed`, four at a time. Real ids
 * reach destructive routes only in the last tenth.
 */
export async function runFuzz(
  target: FuzzTarget,
  seed: number,
  count: number,
): Promise<FuzzReport> {
  const gen = new Gen(seed);
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  let skipped = 0;
  const { base, port, routes, ids, secret } = target;
  for (let i = 0; i < count; i += 4) {
    const batch: FuzzCase[] = [];
    for (let j = i; j < Math.min(count, i + 4); j++) {
      batch.push(generate(gen, j, routes, ids, base, port, j > count * 0.9));
    }
    const results = await Promise.all(batch.map(async (c) => {
      try {
        return c.kind === "fetch"
          ? await sendFetch(base, c)
          : await sendRaw(port, c);
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    }));
    results.forEach((r, k) => {
      const c = batch[k];
      if (!c) return;
      if (r === "skipped") {
        skipped++;
        return;
      }
      sent++;
      if (r instanceof Error) {
        failures.push(`${describe(c)} → threw ${r.name}: ${r.message}`);
        return;
      }
      if (r === "closed") {
        if (!c.protocolAbuse && c.headers["x-half-close"] !== "true") {
          failures.push(
            `${describe(c)} → connection closed without a response`,
          );
        }
        return;
      }
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const why = judge(c, r);
      if (why) {
        failures.push(`${describe(c)} → ${why}: ${r.body.slice(0, 300)}`);
      }
      if (secret !== undefined && r.body.includes(secret)) {
        failures.push(`${describe(c)} → the response reveals the secret`);
      }
    });
  }
  return {
    sent,
    skipped,
    statuses: Object.fromEntries(
      [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => [String(s), n]),
    ),
    failures,
  };
}
