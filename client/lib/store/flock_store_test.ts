import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { InstanceJson } from "../../../server/contract/instances.ts";
import { instanceJson } from "../../../server/testing/instance_fixtures.ts";
import type {
  OpenCodeMessageWithParts,
  OpenCodeSession,
} from "../../../server/contract/opencode.ts";
import type { PermissionJson } from "../../../server/contract/permissions.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import {
  assistantMessage,
  flockEvent,
  openCodeSession,
  textPart,
} from "../../../server/testing/event_fixtures.ts";
import { messageText } from "../conversation.ts";
import type { QuestionJson } from "../../../server/contract/questions.ts";
import { FlockStore, type StoreApi, type StoreSignal } from "./flock_store.ts";
import { permissionsOf, sessionsOf } from "./selectors.ts";
import { summaryOf } from "./run_updates.ts";
import { runFixture, stepFixture, workflowFixture } from "./run_fixtures.ts";
import type {
  RunJson,
  WorkflowJson,
} from "../../../server/contract/workflows.ts";

function session(id: string, instanceId: string, created = "1"): SessionJson {
  return {
    id,
    instance_id: instanceId,
    title: id,
    status: "idle",
    created_at: created,
    updated_at: created,
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

class FakeApi implements StoreApi {
  instances: InstanceJson[] = [];
  sessions = new Map<string, SessionJson[]>();
  permissions: PermissionJson[] = [];
  questions: QuestionJson[] = [];
  messages = new Map<string, OpenCodeMessageWithParts[]>();
  gate: Deferred<void> | null = null;
  sessionCalls = 0;
  async listInstances() {
    if (this.gate) await this.gate.promise;
    return structuredClone(this.instances);
  }
  listSessions(id: string) {
    this.sessionCalls++;
    return Promise.resolve(structuredClone(this.sessions.get(id) ?? []));
  }
  listPermissions() {
    return Promise.resolve(structuredClone(this.permissions));
  }
  listQuestions() {
    return Promise.resolve(structuredClone(this.questions));
  }
  async listMessages(id: string) {
    if (this.gate) await this.gate.promise;
    return structuredClone(this.messages.get(id) ?? []);
  }
  workflows: WorkflowJson[] = [];
  runs = new Map<string, RunJson>();
  runGate: Deferred<void> | null = null;
  listWorkflows() {
    return Promise.resolve(structuredClone(this.workflows));
  }
  listRuns() {
    return Promise.resolve([...this.runs.values()].map(summaryOf));
  }
  async getRun(id: string) {
    if (this.runGate) await this.runGate.promise;
    const run = this.runs.get(id);
    if (!run) throw new Error(`Cannot find run: ${id}`);
    return structuredClone(run);
  }
}

function setup() {
  const api = new FakeApi();
  const signals: StoreSignal[] = [];
  const frames: (() => void)[] = [];
  const store = new FlockStore({
    api,
    schedule: (cb) => frames.push(cb),
    onSignal: (s) => signals.push(s),
  });
  return { api, store, signals, frames };
}

const sessionEvent = (
  type: "session.created" | "session.updated" | "session.deleted",
  info: OpenCodeSession,
  instanceId = "i1",
) => flockEvent(type, { sessionID: info.id, info }, instanceId);
const busy = (id: string) =>
  flockEvent(
    "session.status",
    { sessionID: id, status: { type: "busy" } },
    "i1",
  );

Deno.test("refreshAll loads instances, sessions and permissions", async () => {
  const { api, store } = setup();
  api.instances = [
    instanceJson({ id: "i1" }),
    instanceJson({ id: "i2", status: "stopped" }),
  ];
  api.sessions.set("i1", [session("s1", "i1", "1"), session("s2", "i1", "2")]);
  api.permissions = [{
    id: "per_1",
    sessionID: "s1",
    permission: "bash",
    patterns: ["ls"],
    metadata: {},
    always: [],
    instance_id: "i1",
  }];
  await store.refreshAll();
  strictEqual(store.state.load.ready, true);
  deepStrictEqual(sessionsOf(store.state, "i1").map((s) => s.id), ["s2", "s1"]);
  strictEqual(permissionsOf(store.state, "s1").length, 1);
});

Deno.test("change notifications are batched into one frame", () => {
  const { store, frames } = setup();
  let calls = 0;
  store.watch(() => calls++);
  for (let i = 0; i < 50; i++) {
    store.applyEvent(
      flockEvent(
        "instance.status",
        { instance: instanceJson({ id: "i1", status: "starting" }) },
        "i1",
      ),
    );
  }
  strictEqual(frames.length, 1);
  frames.shift()!();
  strictEqual(calls, 1);
  strictEqual(store.state.instances.get("i1")?.status, "starting");
});

Deno.test("session.idle after busy signals a finished session", async () => {
  const { api, store, signals } = setup();
  api.instances = [instanceJson({ id: "i1" })];
  api.sessions.set("i1", [session("s1", "i1")]);
  await store.refreshAll();
  store.applyEvent(flockEvent("session.idle", { sessionID: "s1" }, "i1"));
  strictEqual(signals.length, 0, "idle without busy is not a finish");
  store.applyEvent(busy("s1"));
  strictEqual(store.state.sessions.byId.get("s1")?.status, "busy");
  store.applyEvent(flockEvent("session.status", {
    sessionID: "s1",
    status: { type: "retry", attempt: 2, message: "x", next: 9 },
  }, "i1"));
  strictEqual(store.state.sessions.retries.get("s1")?.attempt, 2);
  store.applyEvent(flockEvent("session.idle", { sessionID: "s1" }, "i1"));
  strictEqual(store.state.sessions.byId.get("s1")?.status, "idle");
  strictEqual(store.state.sessions.retries.has("s1"), false);
  deepStrictEqual(signals.map((s) => s.kind), ["session-finished"]);
});

Deno.test("permissions are added by asked and removed by replied", () => {
  const { store, signals } = setup();
  store.applyEvent(flockEvent("permission.asked", {
    id: "per_1",
    sessionID: "s1",
    permission: "bash",
    patterns: ["echo hi"],
    metadata: {},
    always: [],
  }, "i7"));
  strictEqual(store.state.permissions.get("per_1")?.instance_id, "i7");
  strictEqual(signals[0]?.kind, "permission-asked");
  store.applyEvent(flockEvent("permission.replied", {
    sessionID: "s1",
    requestID: "per_1",
    reply: "once",
  }, "i7"));
  strictEqual(store.state.permissions.size, 0);
});

Deno.test("instance.removed drops its sessions and conversations", async () => {
  const { api, store } = setup();
  api.instances = [instanceJson({ id: "i1" })];
  api.sessions.set("i1", [session("s1", "i1")]);
  await store.refreshAll();
  await store.loadConversation("s1");
  store.applyEvent(flockEvent("instance.removed", {}, "i1"));
  strictEqual(store.state.instances.size, 0);
  strictEqual(store.state.sessions.byId.size, 0);
  strictEqual(store.state.conversations.size, 0);
});

Deno.test("a session title update from OpenCode renames the session", async () => {
  const { api, store } = setup();
  api.instances = [instanceJson({ id: "i1" })];
  api.sessions.set("i1", [session("s1", "i1")]);
  await store.refreshAll();
  store.applyEvent(busy("s1"));
  store.applyEvent(
    sessionEvent(
      "session.updated",
      openCodeSession({ id: "s1", title: "Nice" }),
    ),
  );
  strictEqual(store.state.sessions.byId.get("s1")?.title, "Nice");
  strictEqual(
    store.state.sessions.byId.get("s1")?.status,
    "busy",
    "the status is kept",
  );
});

Deno.test("sessions come and go from the events alone, never a refetch", async () => {
  const { api, store } = setup();
  api.instances = [instanceJson({ id: "i1" })];
  await store.refreshAll();
  const calls = api.sessionCalls;
  const tui = openCodeSession({
    id: "s9",
    title: "Made in the TUI",
    time: { created: Date.UTC(2026, 0, 2), updated: Date.UTC(2026, 0, 3) },
  });
  store.applyEvent(sessionEvent("session.created", tui));
  deepStrictEqual(store.state.sessions.byId.get("s9"), {
    id: "s9",
    instance_id: "i1",
    title: "Made in the TUI",
    status: "idle",
    created_at: "2026-01-02T00:00:00.000Z",
    updated_at: "2026-01-03T00:00:00.000Z",
    directory: "/tmp/project",
  });
  // A child session (a task's sub-agent) is not listed.
  store.applyEvent(sessionEvent(
    "session.created",
    openCodeSession({ id: "s_child", parentID: "s9" }),
  ));
  strictEqual(store.state.sessions.byId.has("s_child"), false);
  store.applyEvent(sessionEvent("session.deleted", tui));
  strictEqual(store.state.sessions.byId.has("s9"), false);
  await new Promise((r) => setTimeout(r, 0));
  strictEqual(api.sessionCalls, calls, "no GET of the session list");
});

Deno.test("instance.sessions replaces the instance's list", async () => {
  const { api, store } = setup();
  api.instances = [instanceJson({ id: "i1" }), instanceJson({ id: "i2" })];
  api.sessions.set("i1", [session("s1", "i1"), session("s_gone", "i1")]);
  api.sessions.set("i2", [session("s2", "i2")]);
  await store.refreshAll();
  await store.loadConversation("s_gone");
  store.applyEvent(flockEvent("instance.sessions", {
    sessions: [
      { ...session("s1", "i1"), title: "renamed", status: "busy" },
      session("s_new", "i1", "3"),
    ],
  }, "i1"));
  deepStrictEqual(sessionsOf(store.state, "i1").map((s) => [s.id, s.status]), [
    ["s_new", "idle"],
    ["s1", "busy"],
  ]);
  strictEqual(store.state.sessions.byId.get("s1")?.title, "renamed");
  strictEqual(store.state.conversations.has("s_gone"), false);
  deepStrictEqual(sessionsOf(store.state, "i2").map((s) => s.id), ["s2"]);
});

Deno.test("a stopped instance settles its busy sessions", async () => {
  const { api, store } = setup();
  api.instances = [instanceJson({ id: "i1" })];
  api.sessions.set("i1", [session("s1", "i1")]);
  await store.refreshAll();
  store.applyEvent(busy("s1"));
  store.applyEvent(
    flockEvent(
      "instance.status",
      { instance: instanceJson({ id: "i1", status: "stopped" }) },
      "i1",
    ),
  );
  strictEqual(store.state.sessions.byId.get("s1")?.status, "idle");
});

Deno.test("an event of a type the page does not know is ignored", async () => {
  const { api, store, frames } = setup();
  api.instances = [instanceJson({ id: "i1" })];
  api.sessions.set("i1", [session("s1", "i1")]);
  await store.refreshAll();
  frames.length = 0;
  const before = store.state;
  store.applyEvent({
    type: "session.next.future",
    instance_id: "i1",
    properties: { sessionID: "s1", whatever: [1, 2] },
  });
  strictEqual(store.state, before);
  strictEqual(frames.length, 0);
  strictEqual(store.state.sessions.byId.get("s1")?.status, "idle");
});

const textHistory = (text: string): OpenCodeMessageWithParts[] => [{
  info: assistantMessage("msg_1", "s1"),
  parts: [textPart("prt_1", "msg_1", "s1", text)],
}];
const delta = (d: string) =>
  flockEvent("message.part.delta", {
    sessionID: "s1",
    messageID: "msg_1",
    partID: "prt_1",
    field: "text",
    delta: d,
  }, "i1");

Deno.test("events during a conversation load are rebased on the history", async () => {
  const { api, store } = setup();
  api.instances = [instanceJson({ id: "i1" })];
  api.sessions.set("i1", [session("s1", "i1")]);
  await store.refreshAll();
  api.messages.set("s1", textHistory("Hello"));
  api.gate = deferred();
  const loading = store.loadConversation("s1");
  strictEqual(store.state.conversations.get("s1")?.loading, true);
  store.applyEvent(delta("lo")); // already in the snapshot ("Hel" + "lo")
  store.applyEvent(delta(" world")); // not yet in it
  api.gate.resolve();
  await loading;
  const state = store.state.conversations.get("s1")!;
  strictEqual(state.loading, false);
  strictEqual(messageText(state.conversation.messages[0]!), "Hello world");
  store.applyEvent(delta("!"));
  strictEqual(
    messageText(store.state.conversations.get("s1")!.conversation.messages[0]!),
    "Hello world!",
  );
});

Deno.test("a stream.reset refetches loaded conversations without doubling", async () => {
  const { api, store } = setup();
  api.instances = [instanceJson({ id: "i1" })];
  api.sessions.set("i1", [session("s1", "i1")]);
  api.messages.set("s1", textHistory("A"));
  await store.refreshAll();
  await store.loadConversation("s1");
  api.messages.set("s1", textHistory("ABC"));
  api.gate = deferred();
  store.applyEvent(flockEvent("stream.reset", { reason: "gap" }));
  store.applyEvent(delta("C"));
  store.applyEvent(delta("D"));
  api.gate.resolve();
  await store.settled();
  strictEqual(
    messageText(store.state.conversations.get("s1")!.conversation.messages[0]!),
    "ABCD",
  );
});

Deno.test("select tells a subscriber once per frame, only when its part changed", async () => {
  const { api, store, frames } = setup();
  api.instances = [instanceJson({ id: "i1" })];
  api.sessions.set("i1", [session("s1", "i1")]);
  api.messages.set("s1", textHistory("A"));
  await store.refreshAll();
  await store.loadConversation("s1");
  while (frames.length) frames.shift()!();
  const heard: string[] = [];
  store.select((s) => s.instances, () => heard.push("instances"));
  store.select((s) => s.sessions.byId, () => heard.push("sessions"));
  store.select(
    (s) => s.conversations.get("s1")?.conversation,
    () => heard.push("conversation"),
  );
  store.select(
    (s) => ({ ready: s.load.ready, count: s.instances.size }),
    () => heard.push("summary"),
  );
  for (let i = 0; i < 100; i++) store.applyEvent(delta(`${i}`));
  strictEqual(frames.length, 1);
  frames.shift()!();
  deepStrictEqual(heard, ["conversation"]);
  store.applyEvent(busy("s1"));
  frames.shift()!();
  deepStrictEqual(heard, ["conversation", "sessions"]);
  store.applyEvent(
    flockEvent(
      "instance.status",
      { instance: instanceJson({ id: "i1", status: "stopped" }) },
      "i1",
    ),
  );
  frames.shift()!();
  // the stop settled the busy session too; the summary did not change
  deepStrictEqual(heard, ["conversation", "sessions", "instances", "sessions"]);
  strictEqual(frames.length, 0);
});

Deno.test("refreshAll lists workflows and runs; loadRun rebases the events that arrive while it loads", async () => {
  const { api, store } = setup();
  api.workflows = [workflowFixture()];
  api.runs.set("run_1", runFixture());
  await store.refreshAll();
  strictEqual(store.state.runs.loaded, true);
  strictEqual(store.state.runs.summaries.get("run_1")?.current_step, "plan");
  api.runGate = deferred<void>();
  const loading = store.loadRun("run_1");
  strictEqual(store.state.runs.details.get("run_1")?.loading, true);
  // Arrives while GET /api/runs/run_1 is in flight: the answer predates it.
  store.applyEvent({
    type: "step.updated",
    instance_id: "i1",
    properties: { run_id: "run_1", step: stepFixture("plan", "done") },
  });
  api.runGate.resolve();
  await loading;
  const run = store.state.runs.details.get("run_1")?.run;
  strictEqual(run?.steps[0]?.status, "done");
  // Loaded once: a second call does not fetch again.
  api.runs.delete("run_1");
  await store.loadRun("run_1");
  strictEqual(store.state.runs.details.get("run_1")?.error, null);
  await store.loadRun("run_1", true);
  strictEqual(
    store.state.runs.details.get("run_1")?.error,
    "Cannot find run: run_1",
  );
});
