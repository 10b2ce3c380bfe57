import {
  deepStrictEqual,
  notStrictEqual,
  strictEqual,
} from "node:assert/strict";
import type { FlockEvent } from "../../../server/contract/events.ts";
import type { StoreAction } from "./actions.ts";
import { reduce } from "./reducer.ts";
import {
  attemptFixture,
  runFixture,
  runUpdated,
  stepFixture,
  workflowFixture,
} from "./run_fixtures.ts";
import { summaryOf } from "./run_updates.ts";
import { EMPTY_STATE, type FlockState } from "./state.ts";

const live = (event: FlockEvent): StoreAction => ({
  kind: "event",
  event,
  live: true,
});

function listed(): FlockState {
  return reduce(EMPTY_STATE, {
    kind: "snapshot-loaded",
    snapshot: {
      instances: [],
      permissions: [],
      sessions: new Map(),
      conversations: new Map(),
      runs: {
        workflows: [workflowFixture()],
        runs: [summaryOf(runFixture())],
      },
    },
  });
}

Deno.test("runs: a snapshot lists workflows and summaries; the same one changes nothing", () => {
  const state = listed();
  strictEqual(state.runs.loaded, true);
  deepStrictEqual([...state.runs.workflows.keys()], ["wf"]);
  strictEqual(state.runs.summaries.get("run_1")?.current_step, "plan");
  const again = reduce(state, {
    kind: "snapshot-loaded",
    snapshot: {
      instances: [],
      permissions: [],
      sessions: new Map(),
      conversations: new Map(),
      runs: {
        workflows: [workflowFixture()],
        runs: [summaryOf(runFixture())],
      },
    },
  });
  strictEqual(again.runs, state.runs);
});

Deno.test("runs: a snapshot whose runs did not load keeps what is known", () => {
  const state = listed();
  const next = reduce(state, {
    kind: "snapshot-loaded",
    snapshot: {
      instances: [],
      permissions: [],
      sessions: new Map(),
      conversations: new Map(),
      runs: null,
    },
  });
  strictEqual(next.runs, state.runs);
});

Deno.test("runs: run.updated moves a card and ignores an older summary", () => {
  const state = listed();
  const run = runFixture();
  const moved = reduce(
    state,
    live(runUpdated(run, {
      current_step: "review",
      status: "blocked",
      blocked_reason: "Ship it?",
      updated_at: "2026-01-01T00:00:05.000Z",
    })),
  );
  strictEqual(moved.runs.summaries.get("run_1")?.current_step, "review");
  const stale = reduce(
    moved,
    live(runUpdated(run, { updated_at: "2026-01-01T00:00:02.000Z" })),
  );
  strictEqual(stale, moved);
  // A run this page never listed appears from its event.
  const other = runFixture("run_2", { run_number: 2 });
  const added = reduce(moved, live(runUpdated(other)));
  strictEqual(added.runs.summaries.size, 2);
});

Deno.test("runs: an opened run follows step, story and attempt events", () => {
  let state = reduce(listed(), { kind: "run-loading", runId: "run_1" });
  strictEqual(state.runs.details.get("run_1")?.loading, true);
  // While it loads, events leave its (absent) JSON alone: the store rebases them.
  const loadingStep: FlockEvent = {
    type: "step.updated",
    instance_id: "i1",
    properties: { run_id: "run_1", step: stepFixture("plan", "done") },
  };
  strictEqual(reduce(state, live(loadingStep)).runs, state.runs);
  state = reduce(state, { kind: "run-loaded", run: runFixture() });
  const detail = () => state.runs.details.get("run_1")!.run!;
  state = reduce(state, live(loadingStep));
  strictEqual(detail().steps[0]!.status, "done");
  strictEqual(detail().steps[1]!.status, "waiting");
  const before = state;
  state = reduce(state, live(loadingStep));
  strictEqual(state, before, "a replayed event changes nothing");
  state = reduce(
    state,
    live({
      type: "story.updated",
      instance_id: "i1",
      properties: {
        run_id: "run_1",
        story: {
          id: "S-1",
          title: "First",
          description: "",
          acceptance_criteria: [],
          status: "running",
          retry_count: 0,
          origin: "plan",
        },
      },
    }),
  );
  deepStrictEqual(detail().stories.map((s) => s.id), ["S-1"]);
  for (const attempt of [attemptFixture(2), attemptFixture(1)]) {
    state = reduce(
      state,
      live({
        type: "attempt.updated",
        instance_id: "i1",
        properties: { run_id: "run_1", attempt },
      }),
    );
  }
  deepStrictEqual(detail().attempts.map((a) => a.number), [1, 2]);
  state = reduce(
    state,
    live({
      type: "attempt.updated",
      instance_id: "i1",
      properties: {
        run_id: "run_1",
        attempt: attemptFixture(1, { outcome: "passed" }),
      },
    }),
  );
  deepStrictEqual(detail().attempts.map((a) => a.outcome), ["passed", null]);
  // Another run's event leaves it alone.
  const unrelated = reduce(
    state,
    live({
      type: "step.updated",
      instance_id: "i1",
      properties: { run_id: "run_9", step: stepFixture("plan", "failed") },
    }),
  );
  strictEqual(unrelated.runs.details, state.runs.details);
});

Deno.test("runs: run.notice is kept once per key and updates the summary", () => {
  const run = runFixture();
  const notice: FlockEvent = {
    type: "run.notice",
    instance_id: "i1",
    properties: {
      run_id: "run_1",
      key: "run_1:1",
      kind: "blocked",
      step: "review",
      story: null,
      reason: "Ship it?",
      run: {
        ...summaryOf(run),
        status: "blocked",
        current_step: "review",
        updated_at: "2026-01-01T00:00:09.000Z",
      },
    },
  };
  const once = reduce(listed(), live(notice));
  deepStrictEqual(once.runs.notices.get("run_1")?.map((n) => n.key), [
    "run_1:1",
  ]);
  strictEqual(once.runs.summaries.get("run_1")?.status, "blocked");
  strictEqual(reduce(once, live(notice)), once);
});

Deno.test("runs: a REST answer newer than the run held replaces it; an older one does not", () => {
  let state = reduce(listed(), { kind: "run-loaded", run: runFixture() });
  const stopped = runFixture("run_1", {
    status: "cancelled",
    updated_at: "2026-01-01T00:00:07.000Z",
  });
  state = reduce(state, { kind: "run-saved", run: stopped });
  strictEqual(state.runs.details.get("run_1")?.run?.status, "cancelled");
  strictEqual(state.runs.summaries.get("run_1")?.current_step, null);
  const older = reduce(state, { kind: "run-saved", run: runFixture() });
  strictEqual(older.runs, state.runs);
});

Deno.test("runs: a failed load keeps the error; workflows are saved and deleted", () => {
  let state = reduce(listed(), { kind: "run-loading", runId: "run_x" });
  state = reduce(state, { kind: "run-failed", runId: "run_x", error: "boom" });
  deepStrictEqual(state.runs.details.get("run_x"), {
    run: null,
    loading: false,
    error: "boom",
  });
  const wf2 = workflowFixture("wf2");
  state = reduce(state, { kind: "workflow-saved", workflow: wf2 });
  strictEqual(state.runs.workflows.get("wf2"), wf2);
  state = reduce(state, { kind: "workflow-deleted", workflowId: "wf2" });
  strictEqual(state.runs.workflows.has("wf2"), false);
  notStrictEqual(state.runs, EMPTY_STATE.runs);
});
