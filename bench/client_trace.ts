/**
 * The client bench's figures from a Chromium trace of the page (pure, so it
 * is unit-tested): main-thread CPU time per delta at the start and at the
 * end of a streamed reply, and the longest task.
 *
 * The page marks the reply's first delta (`flock-first-delta`) and the end
 * of each render of the reply's text (`flock-render-<i>`), and tells how
 * many deltas it had at each render. A window runs from a mark to a render,
 * so it holds whole frames (the events and the renders of its deltas) even
 * when the page lags behind the stream and gets its deltas in bursts:
 *
 * - first: from the first delta to the first render that had 10 % of them;
 * - last: from the last render that had at most 90 % to the render of the
 *   last delta.
 *
 * @module
 */
import { round } from "./stats.ts";

/** One Chrome trace event (the fields read here). */
export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  /** Start, µs. */
  ts: number;
  /** Wall duration, µs. */
  dur?: number;
  /** Thread (CPU) duration, µs. */
  tdur?: number;
}

/** The figures of one streamed reply. */
export interface StreamFigures {
  /** Main-thread CPU time per delta over the first 10 % of the reply, µs. */
  first_tenth_us_per_delta: number;
  /** The same over the last 10 %. */
  last_tenth_us_per_delta: number;
  /**
   * Deltas per render of the reply in each window: the cost of a frame is
   * shared by them, so the two figures compare best when these are close.
   */
  first_tenth_deltas_per_frame: number;
  last_tenth_deltas_per_frame: number;
  /** last / first. */
  growth: number;
  /** The longest main-thread task while the reply streamed, CPU time. */
  longest_task_cpu_ms: number;
  /** The same in wall time (includes waiting for a core). */
  longest_task_ms: number;
  /** Tasks over 50 ms of wall time while it streamed. */
  long_tasks: number;
}

/** The mark of the reply's first delta. */
export const FIRST_DELTA_MARK = "flock-first-delta";

/** The mark of the end of the `i`-th render of the reply. */
export function renderMark(i: number): string {
  return `flock-render-${i}`;
}

/**
 * Computes the figures.
 *
 * @param events The trace's events.
 * @param renderDeltas How many of the reply's deltas the page had at each
 *   render of it, in order (the last one is `total`).
 * @param total The reply's deltas.
 * @throws {Error} when the marks or the main thread's tasks are missing.
 */
export function streamFigures(
  events: readonly TraceEvent[],
  renderDeltas: readonly number[],
  total: number,
): StreamFigures {
  const marks = new Map<string, TraceEvent>();
  for (const e of events) {
    if (e.name.startsWith("flock-") && !marks.has(e.name)) marks.set(e.name, e);
  }
  const at = (name: string): number => {
    const mark = marks.get(name);
    if (!mark) throw new Error(`Cannot find the mark ${name} in the trace`);
    return mark.ts;
  };
  const first = marks.get(FIRST_DELTA_MARK);
  if (!first) throw new Error(`Cannot find ${FIRST_DELTA_MARK} in the trace`);
  const tasks = events.filter((e) =>
    e.name === "RunTask" && e.ph === "X" && e.pid === first.pid &&
    e.tid === first.tid && e.dur !== undefined
  );
  if (tasks.length === 0) {
    throw new Error("Cannot find the page's main-thread tasks in the trace");
  }
  // CPU time of the tasks in [from, to]; a task cut by an edge counts its share
  const cpu = (from: number, to: number) =>
    tasks.reduce((sum, t) => {
      const dur = t.dur ?? 0;
      const overlap = Math.min(to, t.ts + dur) - Math.max(from, t.ts);
      if (overlap <= 0 || dur <= 0) return sum;
      return sum + (t.tdur ?? dur) * Math.min(1, overlap / dur);
    }, 0);
  const tenth = Math.max(1, Math.floor(total / 10));
  const a1 = renderDeltas.findIndex((d) => d >= tenth);
  const b1 = renderDeltas.findIndex((d) => d >= total);
  if (a1 < 0 || b1 < 0) {
    throw new Error(
      `Cannot measure: the page rendered ${
        renderDeltas.at(-1) ?? 0
      } of ${total} deltas`,
    );
  }
  let b0 = -1;
  renderDeltas.forEach((d, i) => {
    if (i < b1 && d <= total - tenth) b0 = i;
  });
  const firstCpu = cpu(first.ts, at(renderMark(a1)));
  const firstDeltas = renderDeltas[a1] ?? tenth;
  const lastFrom = b0 < 0 ? first.ts : at(renderMark(b0));
  const lastCpu = cpu(lastFrom, at(renderMark(b1)));
  const lastDeltas = total - (b0 < 0 ? 0 : renderDeltas[b0] ?? 0);
  const perDelta = [firstCpu / firstDeltas, lastCpu / lastDeltas];
  const end = at(renderMark(b1));
  const during = tasks.filter((t) =>
    t.ts + (t.dur ?? 0) >= first.ts && t.ts <= end
  );
  return {
    first_tenth_us_per_delta: round(perDelta[0] ?? 0, 1),
    last_tenth_us_per_delta: round(perDelta[1] ?? 0, 1),
    first_tenth_deltas_per_frame: round(firstDeltas / (a1 + 1), 1),
    last_tenth_deltas_per_frame: round(lastDeltas / (b1 - b0), 1),
    growth: round((perDelta[1] ?? 0) / (perDelta[0] || 1), 2),
    longest_task_cpu_ms: round(
      Math.max(0, ...during.map((t) => t.tdur ?? t.dur ?? 0)) / 1000,
      1,
    ),
    longest_task_ms: round(
      Math.max(0, ...during.map((t) => t.dur ?? 0)) / 1000,
      1,
    ),
    long_tasks: during.filter((t) => (t.dur ?? 0) > 50_000).length,
  };
}
