import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type {
  InstanceJson,
  PermissionJson,
  SessionJson,
  StreamEvent,
} from "../../server/api_types.ts";
import { FlockStore, type StoreApi, type StoreSignal } from "./flock_store.ts";
import type { MessageWithPartsJson } from "./opencode_types.ts";
import { messageText } from "./conversation.ts";

function instance(id: string, status: InstanceJson["status"]): InstanceJson {
  return {
    id,
    name: id,
    working_directory: `/w/${id}`,
    status,
    pid: null,
    port: null,
    restart_count: 0,
    exit_code: null,
    last_error: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  };
}
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
  messages = new Map<string, MessageWithPartsJson[]>();
  gate: Deferred<void> | null = null;
  async listInstances() {
    if (this.gate) await this.gate.promise;
    return structuredClone(this.instances);
  }
  listSessions(id: string) {
    return Promise.resolve(structuredClone(this.sessions.get(id) ?? []));
  }
  listPermissions() {
    return Promise.resolve(structuredClone(this.permissions));
  }
  async listMessages(id: string) {
    if (this.gate) await this.gate.promise;
    return structuredClone(this.messages.get(id) ?? []);
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

const upstream = (
  type: string,
  properties: Record<string, unknown>,
  instance_id = "i1",
): StreamEvent => ({ type, properties, instance_id });

Deno.test("refreshAll loads instances, sessions and permissions", async () => {
  const { api, store } = setup();
  api.instances = [instance("i1", "running"), instance("i2", "stopped")];
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
  strictEqual(store.ready, true);
  deepStrictEqual(store.sessionsOf("i1").map((s) => s.id), ["s2", "s1"]);
  strictEqual(store.permissionsOf("s1").length, 1);
});

Deno.test("change notifications are batched into one frame", () => {
  const { store, frames } = setup();
  let calls = 0;
  store.subscribe(() => calls++);
  for (let i = 0; i < 50; i++) {
    store.applyEvent({
      type: "instance.status",
      instance_id: "i1",
      properties: { instance: instance("i1", "starting") },
    });
  }
  strictEqual(frames.length, 1);
  frames.shift()!();
  strictEqual(calls, 1);
  strictEqual(store.instances.get("i1")?.status, "starting");
});

Deno.test("session.idle after busy signals a finished session", async () => {
  const { api, store, signals } = setup();
  api.instances = [instance("i1", "running")];
  api.sessions.set("i1", [session("s1", "i1")]);
  await store.refreshAll();
  store.applyEvent(upstream("session.idle", { sessionID: "s1" }));
  strictEqual(signals.length, 0, "idle without busy is not a finish");
  store.applyEvent(
    upstream("session.status", { sessionID: "s1", status: { type: "busy" } }),
  );
  strictEqual(store.sessions.get("s1")?.status, "busy");
  store.applyEvent(
    upstream("session.status", {
      sessionID: "s1",
      status: { type: "retry", attempt: 2, message: "x", next: 9 },
    }),
  );
  strictEqual(store.retries.get("s1")?.attempt, 2);
  store.applyEvent(upstream("session.idle", { sessionID: "s1" }));
  strictEqual(store.sessions.get("s1")?.status, "idle");
  strictEqual(store.retries.has("s1"), false);
  deepStrictEqual(signals.map((s) => s.kind), ["session-finished"]);
});

Deno.test("permissions are added by asked and removed by replied", () => {
  const { store, signals } = setup();
  store.applyEvent(upstream("permission.asked", {
    id: "per_1",
    sessionID: "s1",
    permission: "bash",
    patterns: ["echo hi"],
    metadata: {},
    always: [],
  }, "i7"));
  strictEqual(store.permissions.get("per_1")?.instance_id, "i7");
  strictEqual(signals[0]?.kind, "permission-asked");
  store.applyEvent(
    upstream("permission.replied", { sessionID: "s1", requestID: "per_1" }),
  );
  strictEqual(store.permissions.size, 0);
});

Deno.test("instance.removed drops its sessions and conversations", async () => {
  const { api, store } = setup();
  api.instances = [instance("i1", "running")];
  api.sessions.set("i1", [session("s1", "i1")]);
  await store.refreshAll();
  await store.loadConversation("s1");
  store.applyEvent({
    type: "instance.removed",
    instance_id: "i1",
    properties: {},
  });
  strictEqual(store.instances.size, 0);
  strictEqual(store.sessions.size, 0);
  strictEqual(store.conversations.size, 0);
});

Deno.test("a session title update from OpenCode renames the session", async () => {
  const { api, store } = setup();
  api.instances = [instance("i1", "running")];
  api.sessions.set("i1", [session("s1", "i1")]);
  await store.refreshAll();
  store.applyEvent(
    upstream("session.updated", { info: { id: "s1", title: "Nice title" } }),
  );
  strictEqual(store.sessions.get("s1")?.title, "Nice title");
});

Deno.test("an unknown session.created refetches the instance's sessions", async () => {
  const { api, store } = setup();
  api.instances = [instance("i1", "running")];
  await store.refreshAll();
  api.sessions.set("i1", [session("s9", "i1")]);
  store.applyEvent(
    upstream("session.created", { info: { id: "s9", title: "t" } }),
  );
  await new Promise((r) => setTimeout(r, 0));
  strictEqual(store.sessions.has("s9"), true);
});

const textHistory = (text: string): MessageWithPartsJson[] => [{
  info: {
    id: "msg_1",
    sessionID: "s1",
    role: "assistant",
    time: { created: 1 },
  },
  parts: [{
    id: "prt_1",
    messageID: "msg_1",
    sessionID: "s1",
    type: "text",
    text,
  }],
}];
const delta = (d: string) =>
  upstream("message.part.delta", {
    sessionID: "s1",
    messageID: "msg_1",
    partID: "prt_1",
    field: "text",
    delta: d,
  });

Deno.test("events during a conversation load are rebased on the history", async () => {
  const { api, store } = setup();
  api.instances = [instance("i1", "running")];
  api.sessions.set("i1", [session("s1", "i1")]);
  await store.refreshAll();
  api.messages.set("s1", textHistory("Hello"));
  api.gate = deferred();
  const loading = store.loadConversation("s1");
  strictEqual(store.conversations.get("s1")?.loading, true);
  store.applyEvent(delta("lo")); // already in the snapshot ("Hel" + "lo")
  store.applyEvent(delta(" world")); // not yet in it
  api.gate.resolve();
  await loading;
  const state = store.conversations.get("s1")!;
  strictEqual(state.loading, false);
  strictEqual(messageText(state.conversation.messages[0]!), "Hello world");
  store.applyEvent(delta("!"));
  strictEqual(
    messageText(store.conversations.get("s1")!.conversation.messages[0]!),
    "Hello world!",
  );
});

Deno.test("a stream.reset refetches loaded conversations without doubling", async () => {
  const { api, store } = setup();
  api.instances = [instance("i1", "running")];
  api.sessions.set("i1", [session("s1", "i1")]);
  api.messages.set("s1", textHistory("A"));
  await store.refreshAll();
  await store.loadConversation("s1");
  api.messages.set("s1", textHistory("ABC"));
  api.gate = deferred();
  store.applyEvent({ type: "stream.reset", properties: { reason: "gap" } });
  store.applyEvent(delta("C"));
  store.applyEvent(delta("D"));
  api.gate.resolve();
  await store.settled();
  strictEqual(
    messageText(store.conversations.get("s1")!.conversation.messages[0]!),
    "ABCD",
  );
});
