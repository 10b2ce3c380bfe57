import assert from "node:assert/strict";
import { OpenCodeClient } from "./opencode_client.ts";
import {
  OpenCodeHttpError,
  OpenCodeUnavailableError,
  upstreamErrorMessage,
} from "./opencode_errors.ts";
import { openCodeSession } from "../testing/event_fixtures.ts";

interface Seen {
  method: string;
  path: string;
  auth: string | null;
  body: string;
}

async function withServer(
  handler: (request: Request) => Response | Promise<Response>,
  fn: (client: OpenCodeClient, seen: Seen[]) => Promise<void>,
) {
  const seen: Seen[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const url = new URL(request.url);
      seen.push({
        method: request.method,
        path: url.pathname + url.search,
        auth: request.headers.get("authorization"),
        body: await request.text(),
      });
      return handler(request);
    },
  );
  try {
    await fn(
      new OpenCodeClient({
        baseUrl: `http://127.0.0.1:${server.addr.port}/`,
        password: "s3cret",
        timeoutMs: 2000,
      }),
      seen,
    );
  } finally {
    await server.shutdown();
  }
}

Deno.test("OpenCodeClient: sends Basic auth and the documented paths and bodies", async () => {
  await withServer(
    (request) => {
      const path = new URL(request.url).pathname;
      if (path.endsWith("/prompt_async")) {
        return new Response(null, { status: 204 });
      }
      if (path === "/session" && request.method === "GET") {
        return Response.json([]);
      }
      if (path === "/session/status") return Response.json({});
      if (
        ["/permission", "/question", "/agent", "/command", "/find/file"]
          .includes(path) || path.endsWith("/todo")
      ) {
        return Response.json([]);
      }
      if (path.endsWith("/command")) return Response.json({});
      if (
        path.startsWith("/session") && request.method !== "DELETE" &&
        !path.endsWith("/message") && !path.endsWith("/abort")
      ) {
        return Response.json(openCodeSession({ id: "ses_1" }));
      }
      return Response.json(true);
    },
    async (client, seen) => {
      await client.health();
      await client.listSessions();
      await client.listSessions({ roots: false, limit: 5 });
      await client.createSession({ title: "T" });
      await client.getSession("ses 1");
      await client.updateSession("ses_1", { title: "New" });
      await client.deleteSession("ses_1");
      await client.sessionStatus();
      await client.messages("ses_1", { limit: 2 });
      await client.promptAsync("ses_1", {
        text: "hi",
        model: { providerID: "fake", modelID: "fake-model" },
      });
      await client.abort("ses_1");
      await client.listPermissions();
      await client.replyPermission("per_1", "once");
      await client.providers();
      await client.listQuestions();
      await client.replyQuestion("que_1", [["Red"]]);
      await client.rejectQuestion("que_2");
      assert.deepEqual(await client.agents(), []);
      assert.deepEqual(await client.models(), { default: null, providers: [] });
      assert.deepEqual(await client.commands(), []);
      assert.deepEqual(await client.findFiles("src/a b", 10), []);
      assert.deepEqual(await client.todos("ses_1"), []);
      await client.sendCommand("ses_1", { command: "init", arguments: "x" });
      await client.promptAsync("ses_1", { text: "v", variant: "high" });
      assert.deepEqual(seen.map((s) => `${s.method} ${s.path}`), [
        "GET /global/health",
        "GET /session?roots=true",
        "GET /session?limit=5",
        "POST /session",
        "GET /session/ses%201",
        "PATCH /session/ses_1",
        "DELETE /session/ses_1",
        "GET /session/status",
        "GET /session/ses_1/message?limit=2",
        "POST /session/ses_1/prompt_async",
        "POST /session/ses_1/abort",
        "GET /permission",
        "POST /permission/per_1/reply",
        "GET /config/providers",
        "GET /question",
        "POST /question/que_1/reply",
        "POST /question/que_2/reject",
        "GET /agent",
        "GET /config/providers",
        "GET /command",
        "GET /find/file?query=src%2Fa+b&limit=10&dirs=true",
        "GET /session/ses_1/todo",
        "POST /session/ses_1/command",
        "POST /session/ses_1/prompt_async",
      ]);
      assert.deepEqual(JSON.parse(seen[15]!.body), { answers: [["Red"]] });
      assert.deepEqual(JSON.parse(seen[22]!.body), {
        command: "init",
        arguments: "x",
      });
      assert.deepEqual(JSON.parse(seen[23]!.body), {
        parts: [{ type: "text", text: "v" }],
        variant: "high",
      });
      assert.ok(
        seen.every((s) => s.auth === "Basic " + btoa("opencode:s3cret")),
      );
      assert.deepEqual(JSON.parse(seen[9]!.body), {
        parts: [{ type: "text", text: "hi" }],
        model: { providerID: "fake", modelID: "fake-model" },
      });
      assert.deepEqual(JSON.parse(seen[12]!.body), { reply: "once" });
      assert.deepEqual(JSON.parse(seen[5]!.body), { title: "New" });
    },
  );
});

Deno.test("OpenCodeClient: a non-2xx answer is an OpenCodeHttpError with the upstream message", async () => {
  await withServer(
    () =>
      Response.json({
        name: "NotFoundError",
        data: { message: "Session not found: ses_x" },
      }, { status: 404 }),
    async (client) => {
      await assert.rejects(() => client.getSession("ses_x"), (e: unknown) => {
        assert.ok(e instanceof OpenCodeHttpError);
        assert.equal(e.status, 404);
        assert.equal(e.upstreamMessage, "Session not found: ses_x");
        assert.match(e.message, /GET \/session\/ses_x/);
        return true;
      });
    },
  );
});

Deno.test("OpenCodeClient: time limits and unreachable servers are OpenCodeUnavailableError", async () => {
  let release = () => {};
  const held = new Promise<void>((r) => release = r);
  await withServer(
    async () => {
      await held;
      return Response.json(true);
    },
    async (client) => {
      await assert.rejects(
        () => client.health({ timeoutMs: 50 }),
        (e: unknown) => e instanceof OpenCodeUnavailableError && e.timedOut,
      );
      release();
    },
  );
  const dead = new OpenCodeClient({
    baseUrl: "http://127.0.0.1:9",
    password: "x",
  });
  await assert.rejects(
    () => dead.health(),
    (e: unknown) => e instanceof OpenCodeUnavailableError && !e.timedOut,
  );
});

Deno.test("OpenCodeClient: the caller's signal cancels a call", async () => {
  let release = () => {};
  const held = new Promise<void>((r) => release = r);
  await withServer(
    async () => {
      await held;
      return Response.json(true);
    },
    async (client) => {
      const controller = new AbortController();
      const call = client.health({ signal: controller.signal });
      controller.abort(new Error("bye"));
      await assert.rejects(() => call, /bye/);
      release();
    },
  );
});

Deno.test("upstreamErrorMessage", () => {
  assert.equal(upstreamErrorMessage('{"data":{"message":"a"}}'), "a");
  assert.equal(upstreamErrorMessage('{"message":"b"}'), "b");
  assert.equal(upstreamErrorMessage('{"error":{"message":"c"}}'), "c");
  assert.equal(upstreamErrorMessage('{"name":"UnknownError"}'), "UnknownError");
  assert.equal(upstreamErrorMessage("Unauthorized"), "Unauthorized");
  assert.equal(upstreamErrorMessage(""), "no message");
});

Deno.test("OpenCodeClient: a session answer without the fields Flock reads is an OpenCodeUnavailableError", async () => {
  await withServer(
    (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/session/status") return Response.json({ ses_1: "busy" });
      if (path === "/session") return Response.json([{ id: "ses_1" }]);
      return Response.json({ id: "ses_1", title: 5 });
    },
    async (client) => {
      for (
        const call of [
          () => client.listSessions(),
          () => client.createSession(),
          () => client.getSession("ses_1"),
          () => client.updateSession("ses_1", { title: "t" }),
          () => client.sessionStatus(),
        ]
      ) {
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof OpenCodeUnavailableError);
          assert.match(
            error.message,
            /^Cannot read the answer to \S+ \S+ as it is not /,
          );
          return true;
        });
      }
    },
  );
});
