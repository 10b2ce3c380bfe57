/**
 * Attaching remote OpenCode servers through the API, against fake OpenCode
 * servers served in this process: the refusals at attach time (each a 400
 * naming what is wrong), the attached instance's shape, and that its
 * password appears in no answer and no event.
 */
import type { InstanceJson } from "../contract/instances.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { fakeOpenCodeHandler } from "../testing/fake_opencode.ts";
import { startTestFlock } from "../testing/flock_harness.ts";

const PASSWORD = "remote-s3cret-Xq9";

function serve(handler: (req: Request) => Response) {
  const ctl = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, signal: ctl.signal },
    handler,
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async [Symbol.asyncDispose]() {
      ctl.abort();
      await server.finished;
    },
  };
}

function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}

Deno.test("attaching a remote server: clear 400s, then a remote instance that never shows its password", async () => {
  await using flock = await startTestFlock({ opencode: false });
  const events = await flock.readSse("/api/events");
  const streams = new AbortController();
  await using remote = serve(
    fakeOpenCodeHandler({
      password: PASSWORD,
      healthy: () => true,
      directory: "/srv/project",
      signal: streams.signal,
    }),
  );
  await using notOpenCode = serve(() =>
    new Response("<html>hello</html>", {
      headers: { "content-type": "text/html" },
    })
  );
  const attach = (body: unknown) =>
    flock.api<{ error: { code: string; message: string } }>(
      "POST",
      "/api/instances",
      body,
    );
  const answers: unknown[] = [];
  const refusals: Array<[unknown, number, string, RegExp]> = [
    [
      { url: remote.url, password: "wrong" },
      400,
      "remote_unauthorized",
      /refused the credentials \(401\)/,
    ],
    [
      { url: remote.url },
      400,
      "remote_unauthorized",
      /needs a password: send "password"/,
    ],
    [
      { url: `http://127.0.0.1:${freePort()}`, password: PASSWORD },
      400,
      "remote_unreachable",
      /Cannot reach the OpenCode server at http:\/\/127\.0\.0\.1:\d+/,
    ],
    [
      { url: notOpenCode.url },
      400,
      "remote_not_opencode",
      /does not answer GET \/global\/health like an OpenCode server/,
    ],
    [
      { url: `http://u:${PASSWORD}@127.0.0.1:1` },
      400,
      "invalid_field",
      /carries a password/,
    ],
    [{ url: "ftp://box" }, 400, "invalid_field", /field "url"/],
    [{ url: remote.url, password: 5 }, 400, "invalid_field", /password/],
    [
      { url: remote.url, working_directory: "/x" },
      400,
      "unknown_field",
      /working_directory/,
    ],
    [
      { url: remote.url, password: "pässword" },
      400,
      "invalid_field",
      /printable ASCII/,
    ],
  ];
  for (const [body, status, code, message] of refusals) {
    const res = await attach(body);
    answers.push(res.body);
    assertEquals(res.status, status, JSON.stringify(body));
    assertEquals(res.body.error.code, code, JSON.stringify(res.body));
    assertMatch(res.body.error.message, message);
  }

  const created = await flock.api<InstanceJson>("POST", "/api/instances", {
    url: remote.url,
    password: PASSWORD,
  });
  answers.push(created.body);
  assertEquals(created.status, 201);
  const instance = created.body;
  assertEquals(instance.kind, "remote");
  assertEquals(instance.url, remote.url);
  assertEquals(instance.working_directory, "/srv/project");
  assertEquals(instance.name, `project @ ${new URL(remote.url).host}`);
  assertEquals(instance.idle_timeout_s, 0);
  assertEquals(instance.pid, null);
  const running = await flock.waitForInstance(instance.id, ["running"]);
  answers.push(running);
  assertEquals(running.pid, null);
  assertEquals(running.port, null);
  assertEquals(running.memory_rss_bytes, null);

  // The same server twice: 409.
  const twice = await attach({ url: `${remote.url}/`, password: PASSWORD });
  answers.push(twice.body);
  assertEquals(twice.status, 409);

  // A remote instance takes no idle timeout; a name it does.
  const timeout = await flock.api("PATCH", `/api/instances/${instance.id}`, {
    idle_timeout_s: 60,
  });
  assertEquals(timeout.status, 400);
  const renamed = await flock.api<InstanceJson>(
    "PATCH",
    `/api/instances/${instance.id}`,
    { name: "gpu box" },
  );
  assertEquals(renamed.body.name, "gpu box");
  const hibernate = await flock.api(
    "POST",
    `/api/instances/${instance.id}/hibernate`,
  );
  assertEquals(hibernate.status, 409);
  for (
    const path of [
      "/api/instances",
      `/api/instances/${instance.id}`,
      `/api/instances/${instance.id}/logs`,
      "/api/openapi.json",
    ]
  ) {
    answers.push((await flock.api("GET", path)).body);
  }
  const logs = await flock.api<{ line: string }[]>(
    "GET",
    `/api/instances/${instance.id}/logs`,
  );
  assert(
    logs.body.some((l) => /Connected to http:\/\/127\.0\.0\.1/.test(l.line)),
  );

  // Stop disconnects, restart connects again, delete forgets: the server stays up.
  const stopped = await flock.api<InstanceJson>(
    "POST",
    `/api/instances/${instance.id}/stop`,
  );
  assertEquals(stopped.body.status, "stopped");
  await flock.api("POST", `/api/instances/${instance.id}/restart`);
  await flock.waitForInstance(instance.id, ["running"]);
  assertEquals(
    (await flock.api("DELETE", `/api/instances/${instance.id}`)).status,
    204,
  );
  const health = await fetch(`${remote.url}/global/health`, {
    headers: { authorization: "Basic " + btoa(`opencode:${PASSWORD}`) },
  });
  assertEquals((await health.json()).healthy, true);

  await flock.close();
  const stream = JSON.stringify(await events.reader.until(() => false));
  streams.abort();
  const everything = JSON.stringify(answers) + stream;
  assert(everything.includes(remote.url), "the answers were captured");
  assertEquals(everything.includes(PASSWORD), false, "no password anywhere");
  assertEquals(everything.includes(btoa(`opencode:${PASSWORD}`)), false);
});
