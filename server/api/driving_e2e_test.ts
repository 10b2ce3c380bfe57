/**
 * Driving an agent through Flock, against a real OpenCode and the fake
 * model: what the instance offers (agents, models with variants, `/`
 * commands, files for `@`), the model/agent/variant remembered per
 * session and sent with each message, tokens and cost on the session and
 * rolled up per instance, the todo list, `/` commands, and subagents
 * (child sessions under their parent, each abortable on its own). One
 * Flock and one instance are shared by the steps, which run in order.
 */
import type {
  AgentJson,
  CommandJson,
  ModelsJson,
  UsageJson,
} from "../contract/catalog.ts";
import type { OpenCodeTodo } from "../contract/opencode.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import {
  lastReply,
  messagesOf,
  newSession,
  refused,
  replied,
  send,
} from "../testing/driving.ts";
import { EventLog } from "../testing/event_log.ts";
import {
  FAKE_SLOW_TASK_PROMPT,
  FAKE_TASK_PROMPT,
  FAKE_TODOS,
} from "../testing/fake_model_agent_tools.ts";
import { fakeReply } from "../testing/fake_model.ts";
import { startTestFlock, type TestFlock } from "../testing/flock_harness.ts";
import type { QueuedMessageJson } from "../contract/queue.ts";

async function get<T>(flock: TestFlock, path: string): Promise<T> {
  const res = await flock.api<T>("GET", path);
  assertEquals(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

Deno.test({
  name: "driving agents end to end with a real OpenCode",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using flock = await startTestFlock({ slowDelayMs: 400 });
    const instance = await flock.createInstance("driving");
    await Deno.writeTextFile(
      `${instance.working_directory}/hello.txt`,
      "hello",
    );
    await Deno.mkdir(`${instance.working_directory}/src`);
    await Deno.writeTextFile(
      `${instance.working_directory}/src/helper.ts`,
      "export {};",
    );
    await using log = await EventLog.open(flock);
    const session = await newSession(flock, instance, "driving");
    const base = `/api/instances/${instance.id}`;

    await t.step(
      "agents, models with variants, commands and files",
      async () => {
        const agents = await get<AgentJson[]>(flock, `${base}/agents`);
        const build = agents.find((a) => a.name === "build");
        assertEquals([build?.mode, build?.hidden], ["primary", false]);
        assert(agents.some((a) => a.name === "title" && a.hidden));
        assert(
          agents.some((a) => a.name === "general" && a.mode === "subagent"),
        );
        const models = await get<ModelsJson>(flock, `${base}/models`);
        assertEquals(models.default, "fake/fake-model");
        const fake = models.providers.find((p) => p.id === "fake");
        assertEquals(fake?.models.map((m) => [m.ref, m.variants]), [[
          "fake/fake-model",
          ["quick", "deep"],
        ]]);
        assertEquals(fake?.models[0]?.context_limit, 128000);
        const commands = await get<CommandJson[]>(flock, `${base}/commands`);
        assert(
          commands.some((c) =>
            c.name === "hello" && c.description === "Greets someone"
          ),
          JSON.stringify(commands),
        );
        const files = await get<string[]>(flock, `${base}/files?q=help`);
        assert(
          files.some((f) => f.endsWith("helper.ts")),
          JSON.stringify(files),
        );
        const hello = await get<string[]>(
          flock,
          `${base}/files?q=hello&limit=5`,
        );
        assert(hello.includes("hello.txt"), JSON.stringify(hello));
        await refused(flock, "GET", `${base}/files`, undefined, 400);
        await refused(
          flock,
          "GET",
          `${base}/files?q=a&limit=0`,
          undefined,
          400,
        );
        await refused(
          flock,
          "GET",
          `${base}/files?q=${"x".repeat(501)}`,
          undefined,
          400,
        );
        await refused(
          flock,
          "GET",
          "/api/instances/inst_nope/agents",
          undefined,
          404,
        );
      },
    );

    await t.step(
      "the model, variant and agent are remembered and sent with each message",
      async () => {
        let from = log.mark();
        await send(flock, session, {
          text: "first choice",
          model: "fake/fake-model",
          variant: "deep",
          agent: "plan",
        });
        await replied(log, session, "first choice", from);
        const chosen = await get<SessionJson>(
          flock,
          `/api/sessions/${session.id}`,
        );
        assertEquals(
          [chosen.model, chosen.variant, chosen.agent],
          ["fake/fake-model", "deep", "plan"],
        );
        from = log.mark();
        await send(flock, session, "no choice named");
        await replied(log, session, "no choice named", from);
        const users = (await messagesOf(flock, session))
          .filter((m) => m.info.role === "user");
        const last = users.at(-1)?.info;
        assert(last?.role === "user");
        // OpenCode's own default is `build`: Flock sent the remembered one.
        assertEquals(last.agent, "plan");
        assertEquals(last.model.modelID, "fake-model");
        const after = await get<SessionJson>(
          flock,
          `/api/sessions/${session.id}`,
        );
        assertEquals([after.agent, after.variant], ["plan", "deep"]);
        // Switching back to build for the rest.
        from = log.mark();
        await send(flock, session, { text: "back to build", agent: "build" });
        await replied(log, session, "back to build", from);
      },
    );

    await t.step(
      "tokens and cost on the session, per reply and per instance",
      async () => {
        const current = await get<SessionJson>(
          flock,
          `/api/sessions/${session.id}`,
        );
        assert(current.tokens, JSON.stringify(current));
        assert(current.tokens.input > 0 && current.tokens.output > 0);
        assertEquals(current.cost, 0);
        const replies = (await messagesOf(flock, session))
          .flatMap((m) => m.info.role === "assistant" ? [m.info] : []);
        const reply = replies.at(-1);
        assert(reply);
        assertEquals(reply.modelID, "fake-model");
        assert(reply.tokens.output > 0);
        assert(
          reply.time.completed && reply.time.completed >= reply.time.created,
        );
        const usage = await get<UsageJson>(flock, `${base}/usage`);
        assertEquals(usage.instance_id, instance.id);
        assert(usage.sessions >= 1);
        assert(usage.tokens.input >= current.tokens.input);
        assertEquals(usage.busy, 0);
      },
    );

    await t.step("a `/` command runs; an unknown one is refused", async () => {
      const from = log.mark();
      const res = await flock.api<QueuedMessageJson>(
        "POST",
        `/api/sessions/${session.id}/command`,
        { command: "/hello", arguments: "the team" },
      );
      assertEquals(res.status, 202, JSON.stringify(res.body));
      assertEquals([res.body.kind, res.body.command], ["command", "hello"]);
      await replied(log, session, "Say hello to the team", from);
      // (OpenCode may append a reminder of its own to the prompt.)
      assert(
        (await lastReply(flock, session)).startsWith(
          fakeReply("Say hello to the team"),
        ),
      );
      const error = await refused(
        flock,
        "POST",
        `/api/sessions/${session.id}/command`,
        { command: "nope" },
        400,
      );
      assertMatch(error.message, /"command"/);
    });

    await t.step("the todo list: todo.updated and GET …/todos", async () => {
      const from = log.mark();
      await send(flock, session, "use todo");
      const updated = await log.waitFor(
        "todo.updated",
        (e) => e.properties.sessionID === session.id,
        { from },
      );
      assertEquals(
        updated.properties.todos.map((x) => x.content),
        FAKE_TODOS.map((x) => x.content),
      );
      await replied(log, session, "use todo", from);
      const todos = await get<OpenCodeTodo[]>(
        flock,
        `/api/sessions/${session.id}/todos`,
      );
      assertEquals(
        todos.map((x) => [x.content, x.status]),
        FAKE_TODOS.map((x) => [x.content, x.status]),
      );
    });

    await t.step(
      "a subagent's child session is listed under its parent",
      async () => {
        const from = log.mark();
        await send(flock, session, "use task");
        const created = await log.waitFor(
          "session.created",
          (e) => e.properties.info.parentID === session.id,
          { from },
        );
        const child = created.properties.info.id;
        assertEquals(created.root_session_id, session.id);
        await replied(log, session, "use task", from);
        const children = await get<SessionJson[]>(
          flock,
          `/api/sessions/${session.id}/children`,
        );
        assertEquals(children.map((c) => [c.id, c.parent_id]), [[
          child,
          session.id,
        ]]);
        assertEquals(children[0]?.status, "idle");
        const roots = await get<SessionJson[]>(flock, `${base}/sessions`);
        assert(!roots.some((s) => s.id === child));
        const all = await get<SessionJson[]>(
          flock,
          `${base}/sessions?children=true`,
        );
        assert(all.some((s) => s.id === child && s.parent_id === session.id));
        assertEquals(
          await lastReply(flock, { id: child }),
          fakeReply(FAKE_TASK_PROMPT),
        );
        await refused(
          flock,
          "GET",
          `${base}/sessions?children=1`,
          undefined,
          400,
        );
      },
    );

    await t.step("a subagent can be aborted on its own", async () => {
      const from = log.mark();
      await send(flock, session, "use task slow");
      const created = await log.waitFor(
        "session.created",
        (e) =>
          e.properties.info.parentID === session.id &&
          e.properties.info.title.includes("Count"),
        { from },
      );
      const child = created.properties.info.id;
      await log.waitFor(
        "message.part.delta",
        (e) => e.properties.sessionID === child,
        { from },
      );
      assertEquals(
        (await get<SessionJson>(flock, `/api/sessions/${child}`)).status,
        "busy",
      );
      const abort = await flock.api<{ aborted: boolean }>(
        "POST",
        `/api/sessions/${child}/abort`,
      );
      assertEquals([abort.status, abort.body.aborted], [200, true]);
      await log.waitFor(
        "session.error",
        (e) => e.properties.sessionID === child,
        { from },
      );
      // The parent goes on (its task ended) and finishes.
      await replied(log, session, "use task slow", from);
      const parent = await get<SessionJson>(
        flock,
        `/api/sessions/${session.id}`,
      );
      assertEquals(parent.status, "idle");
      const childReply = await lastReply(flock, { id: child });
      assert(
        fakeReply(FAKE_SLOW_TASK_PROMPT).startsWith(childReply),
        childReply,
      );
    });
  },
});
