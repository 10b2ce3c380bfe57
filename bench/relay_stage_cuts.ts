/**
 * The cuts of the relay path that `deno task bench:stages` measures (see
 * `relay_stage_server.ts`, which stops Flock's event path after one of
 * them), the figures measured per cut, and the cost of each stage as the
 * difference between adjacent cuts.
 *
 * @module
 */
import { round } from "./stats.ts";

/** The cuts of the relay path, in order (see `relay_stage_server.ts`). */
export const STAGES = [
  "read",
  "sse",
  "parse",
  "tag",
  "publish",
  "old-read",
  "old-sse",
  "old-parse",
  "old-tag",
  "old-publish",
] as const;

/** One cut of the relay path. */
export type Stage = typeof STAGES[number];

/** One measured cut. */
export interface StageRow {
  stage: Stage;
  clients: number;
  /** Relay CPU per event, µs (median of the rounds). */
  cpu_us: number;
  /** Relay instructions per event, thousands (median), with `--callgrind`. */
  kinstr: number | null;
}

/** The wall-clock split of one event through the `publish` cut, 1 client. */
export interface StageSplit {
  path: "new" | "old";
  events: number;
  /** Upstream send → chunk read in the relay. */
  to_read: { p50_ms: number; p99_ms: number };
  /** Chunk read → handed to the broker. */
  to_publish: { p50_ms: number; p99_ms: number };
  /** Handed to the broker → read by the client. */
  to_client: { p50_ms: number; p99_ms: number };
}

/** The cost of each stage: differences between adjacent cuts. */
export function stageCosts(
  rows: StageRow[],
): Array<{ stage: string; cpu_us: number; kinstr: number | null }> {
  const at = (stage: Stage, clients = 0) =>
    rows.find((r) => r.stage === stage && r.clients === clients);
  const out: Array<{ stage: string; cpu_us: number; kinstr: number | null }> =
    [];
  const diff = (name: string, a: StageRow | undefined, b?: StageRow) => {
    if (!a) return;
    const per = (x: number | null, y: number | null) =>
      x === null ? null : round(x - (y ?? 0), 1);
    out.push({
      stage: name,
      cpu_us: round(a.cpu_us - (b?.cpu_us ?? 0), 1),
      kinstr: per(a.kinstr, b?.kinstr ?? null),
    });
  };
  for (const prefix of ["", "old-"] as const) {
    const p = (s: string) => `${prefix}${s}` as Stage;
    diff(`${p("read")}: fetch body read (incl. waking up)`, at(p("read")));
    diff(`${p("sse")}: SSE parsing`, at(p("sse")), at(p("read")));
    diff(`${p("parse")}: JSON.parse`, at(p("parse")), at(p("sse")));
    diff(`${p("tag")}: guard + instance_id`, at(p("tag")), at(p("parse")));
    diff(
      `${p("publish")}: ${
        prefix ? "stringify + " : ""
      }broker id, frame, ring (0 clients)`,
      at(p("publish")),
      at(p("tag")),
    );
    const base = at(p("publish"));
    for (const r of rows.filter((r) => r.stage === p("publish"))) {
      if (r.clients === 0 || !base) continue;
      out.push({
        stage: `${
          p("publish")
        }: per client, queue + stream + write (${r.clients})`,
        cpu_us: round((r.cpu_us - base.cpu_us) / r.clients, 2),
        kinstr: r.kinstr === null || base.kinstr === null
          ? null
          : round((r.kinstr - base.kinstr) / r.clients, 2),
      });
    }
  }
  return out;
}
