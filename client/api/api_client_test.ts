import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import { ApiClient, ApiError } from "./api_client.ts";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
}

function fakeFetch(respond: (call: Call) => Response) {
  const calls: Call[] = [];
  const impl: typeof fetch = (input, init) => {
    const call: Call = {
      url: String(input),
      method: init?.method ?? "GET",
      headers: { ...(init?.headers as Record<string, string>) },
      body: typeof init?.body === "string" ? init.body : null,
    };
    calls.push(call);
    return Promise.resolve(respond(call));
  };
  return { calls, impl };
}

Deno.test("POST sends JSON with a content type and parses the reply", async () => {
  const { calls, impl } = fakeFetch(() =>
    Response.json({ id: "i1", status: "starting" }, { status: 201 })
  );
  const api = new ApiClient({ fetch: impl });
  const created = await api.createInstance({ working_directory: "/tmp/x" });
  strictEqual(created.id, "i1");
  strictEqual(calls[0]!.method, "POST");
  strictEqual(calls[0]!.url, "/api/instances");
  strictEqual(calls[0]!.headers["content-type"], "application/json");
  deepStrictEqual(JSON.parse(calls[0]!.body!), { working_directory: "/tmp/x" });
});

Deno.test("204 resolves with undefined", async () => {
  const { impl } = fakeFetch(() => new Response(null, { status: 204 }));
  strictEqual(
    await new ApiClient({ fetch: impl }).deleteSession("ses_1"),
    undefined,
  );
});

Deno.test("an error body becomes an ApiError with its code", async () => {
  const { impl } = fakeFetch(() =>
    Response.json(
      { error: { code: "conflict", message: "Already running" } },
      { status: 409 },
    )
  );
  await rejects(
    new ApiClient({ fetch: impl }).createSession("i1"),
    (error: unknown) =>
      error instanceof ApiError && error.status === 409 &&
      error.code === "conflict" && error.message === "Already running",
  );
});

Deno.test("a non-JSON error keeps the status", async () => {
  const { impl } = fakeFetch(() =>
    new Response("boom", { status: 502, statusText: "Bad Gateway" })
  );
  await rejects(
    new ApiClient({ fetch: impl }).listInstances(),
    (error: unknown) =>
      error instanceof ApiError && error.status === 502 &&
      error.code === "http_error",
  );
});

Deno.test("a network failure is an ApiError with status 0", async () => {
  const impl: typeof fetch = () => Promise.reject(new TypeError("refused"));
  await rejects(
    new ApiClient({ fetch: impl }).health(),
    (error: unknown) =>
      error instanceof ApiError && error.status === 0 &&
      error.code === "network_error" && error.cause instanceof TypeError,
  );
});

Deno.test("path parameters and queries are encoded", async () => {
  const { calls, impl } = fakeFetch(() =>
    Response.json({ path: "/a b", parent: "/", directories: [] })
  );
  const api = new ApiClient({ fetch: impl });
  await api.listDirectories("/a b");
  await api.listDirectories();
  strictEqual(calls[0]!.url, "/api/directories?path=%2Fa%20b");
  strictEqual(calls[1]!.url, "/api/directories");
  await api.replyPermission("per/1", "once");
  strictEqual(calls[2]!.url, "/api/permissions/per%2F1");
  deepStrictEqual(JSON.parse(calls[2]!.body!), { reply: "once" });
});
