import { deepStrictEqual, throws } from "node:assert/strict";
import {
  FIRST_DELTA_MARK,
  renderMark,
  streamFigures,
  type TraceEvent,
} from "./client_trace.ts";

const main = { pid: 1, tid: 2 };
const mark = (name: string, ts: number): TraceEvent => ({
  name,
  ph: "R",
  ts,
  ...main,
});
const task = (ts: number, dur: number, tdur = dur): TraceEvent => ({
  name: "RunTask",
  ph: "X",
  ts,
  dur,
  tdur,
  ...main,
});

Deno.test("streamFigures: CPU per delta in the first and the last tenth", () => {
  // 100 deltas; renders at 0..9 deltas-steps of 10 (one per 1000 µs)
  const renderDeltas = [5, 10, 30, 50, 70, 85, 90, 100];
  const events: TraceEvent[] = [
    mark(FIRST_DELTA_MARK, 0),
    ...renderDeltas.map((_, i) => mark(renderMark(i), (i + 1) * 1000)),
    // 200 µs of CPU per 1000 µs, a task on another thread is ignored
    ...renderDeltas.map((_, i) => task(i * 1000 + 100, 300, 200)),
    { ...task(500, 90_000), tid: 99 },
    // a long task after the end is not counted
    task(20_000, 60_000, 55_000),
  ];
  deepStrictEqual(streamFigures(events, renderDeltas, 100), {
    // first: 0 .. render 1 (10 deltas): tasks at 100 and 1100 = 400 µs
    first_tenth_us_per_delta: 40,
    // last: render 6 (90) .. render 7 (100): the task at 7100 = 200 µs
    last_tenth_us_per_delta: 20,
    first_tenth_deltas_per_frame: 5,
    last_tenth_deltas_per_frame: 10,
    growth: 0.5,
    longest_task_cpu_ms: 0.2,
    longest_task_ms: 0.3,
    long_tasks: 0,
  });
});

Deno.test("streamFigures: a burst that skips the 90 % mark starts the last window earlier", () => {
  const renderDeltas = [20, 40, 100];
  const events: TraceEvent[] = [
    mark(FIRST_DELTA_MARK, 0),
    ...renderDeltas.map((_, i) => mark(renderMark(i), (i + 1) * 1000)),
    task(2100, 800, 600),
  ];
  const figures = streamFigures(events, renderDeltas, 100);
  // the last window runs from render 1 (40 deltas) to render 2: 60 deltas
  deepStrictEqual(
    [figures.last_tenth_us_per_delta, figures.last_tenth_deltas_per_frame],
    [10, 60],
  );
});

Deno.test("streamFigures: missing marks are an error", () => {
  throws(() => streamFigures([task(0, 10)], [100], 100), /flock-first-delta/);
  throws(
    () => streamFigures([mark(FIRST_DELTA_MARK, 0), task(0, 10)], [50], 100),
    /rendered 50 of 100/,
  );
});
