/**
 * A remote instance is an `opencode serve` this test starts itself, with a
 * password, on 127.0.0.2 (a loopback address Flock has no permission for
 * unless told). Flock runs as a real process with the launcher's
 * permissions. On it: the attach is refused with the fix until Flock runs
 * with `--remote-host`, a chat works, a permission is answered, the server
 * is killed and started again and Flock reconnects and relays its events,
 * a Flock restart without the flag still reaches it (the recorded host is
 * granted), deleting it leaves the server running, and the password is in
 * no API answer, no event, no log line and nothing Flock printed.
 */
import type { InstanceJson } from "../contract/instances.ts";
import type { PermissionJson } from "../contract/permissions.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { pinnedOpenCodePath } from "../opencode/opencode_binary.ts";
import {
  decodeText,
  LineSplitStream,
  parseListeningLine,
} from "../opencode/output.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { fakeReply } from "../testing/fake_model.ts";
import { startFakeModel } from "../testing/fake_model.ts";
import {
  type FlockProcess,
  startFlockProcess,
} from "../testing/flock_process.ts";
import { createOpenCodeEnv } from "../testing/opencode_env.ts";
import { type SseEvent, SseReader } from "../testing/sse_reader.ts";

const PASSWORD = "remote-Pw-7f3kq9-Zt";
const HOST = "127.0.0.2";

function freePort(): number {
  const probe = Deno.listen({ hostname: HOST, port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}

/** Starts `opencode serve` on HOST:port with the password; resolves once it listens. */
async function startRemote(
  port: number,
  cwd: string,
  env: Record<string, string>,
): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(pinnedOpenCodePath(), {
    args: ["serve", "--port", String(port), "--hostname", HOST],
    cwd,
    env: { ...env, OPENCODE_SERVER_PASSWORD: PASSWORD },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = decodeText(child.stdout).pipeThrough(new LineSplitStream())
    .getReader();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { done, value } = await lines.read();
    if (done) throw new Error("the remote OpenCode exited before listening");
    if (parseListeningLine(value)) break;
  }
  // Keep draining its output so it never blocks on a full pipe.
  (async () => {
    while (!(await lines.read().catch(() => ({ done: true }))).done) {
      // discard
    }
  })();
  return child;
}

interface Collected {
  /** Every API answer body, as text. */
  answers: string[];
}

async function call<T>(
  base: string,
  seen: Collected,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  seen.answers.push(text);
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}

/** All events of Flock's stream, kept raw for the password check. */
class EventLog {
  readonly events: SseEvent[] = [];
  #sse: SseReader;
  private constructor(sse: SseReader) {
    this.#sse = sse;
  }
  static async open(base: string): Promise<EventLog> {
    const res = await fetch(`${base}/api/events`);
    return new EventLog(new SseReader(res.body!));
  }
  /** Reads until `stop` holds for an event; returns the events read. */
  async until(
    stop: (data: Record<string, unknown> & { type: string }) => boolean,
    ms = 120_000,
  ) {
    const read = await this.#sse.until((e) => stop(JSON.parse(e.data)), ms);
    this.events.push(...read);
    return read;
  }
  async close(): Promise<void> {
    await this.#sse.cancel();
  }
}

function statusIs(id: string, status: string) {
  return (d: Record<string, unknown> & { type: string }) =>
    d.type === "instance.status" && d.instance_id === id &&
    (d.properties as { instance: InstanceJson }).instance.status === status;
}

function replyOf(events: SseEvent[], sessionId: string): string {
  return events.map((e) => JSON.parse(e.data))
    .filter((d) =>
      d.type === "message.part.delta" && d.properties.sessionID === sessionId &&
      d.properties.field === "text"
    )
    .map((d) => d.properties.delta as string).join("");
}

const idleOf =
  (sessionId: string) => (d: Record<string, unknown> & { type: string }) =>
    d.type === "session.idle" &&
    (d.properties as { sessionID: string }).sessionID === sessionId;

Deno.test({
  name:
    "a remote OpenCode with a password: attach, chat, permission, reconnect, delete; the password is never shown",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using model = await startFakeModel();
    await using env = await createOpenCodeEnv({ modelBaseURL: model.baseURL });
    const remoteDir = await env.workspace("remote-project");
    const port = freePort();
    const origin = `http://${HOST}:${port}`;
    let remote = await startRemote(port, remoteDir, env.env);
    const flockHome = await Deno.makeTempDir({ prefix: "flock-remote-home-" });
    const flockEnv = { XDG_DATA_HOME: `${flockHome}/data` };
    const seen: Collected = { answers: [] };
    const printed: string[] = [];
    const logs: string[] = [];
    let flock: FlockProcess | null = null;
    const startFlock = async (args: string[] = []) => {
      flock = await startFlockProcess({
        home: flockHome,
        env: flockEnv,
        args: ["--port", "0", ...args],
      });
      return flock;
    };
    const stopFlock = async () => {
      if (!flock) return;
      flock.child.kill("SIGTERM");
      const out = await flock.exited;
      printed.push(out.stdout, out.stderr);
      flock = null;
    };
    try {
      let f = await startFlock();
      let id = "";

      await t.step(
        "without permission for its host, the attach says how to get it",
        async () => {
          const refused = await call<
            { error: { code: string; message: string } }
          >(
            f.url,
            seen,
            "POST",
            "/api/instances",
            { url: origin, password: PASSWORD },
          );
          assertEquals(refused.status, 400);
          assertEquals(refused.body.error.code, "remote_not_permitted");
          assertMatch(
            refused.body.error.message,
            new RegExp(`--remote-host ${HOST}:${port}`),
          );
          await stopFlock();
        },
      );

      f = await startFlock(["--remote-host", `${HOST}:${port}`]);
      const events = await EventLog.open(f.url);

      await t.step(
        "with --remote-host it attaches; a wrong password is a 400",
        async () => {
          const wrong = await call<{ error: { code: string } }>(
            f.url,
            seen,
            "POST",
            "/api/instances",
            { url: origin, password: "not-it" },
          );
          assertEquals([wrong.status, wrong.body.error.code], [
            400,
            "remote_unauthorized",
          ]);
          const attached = await call<InstanceJson>(
            f.url,
            seen,
            "POST",
            "/api/instances",
            {
              url: origin,
              password: PASSWORD,
              name: "the other machine",
            },
          );
          assertEquals(attached.status, 201, JSON.stringify(attached.body));
          assertEquals(attached.body.kind, "remote");
          assertEquals(attached.body.url, origin);
          assertEquals(attached.body.working_directory, remoteDir);
          id = attached.body.id;
          await events.until(statusIs(id, "running"));
        },
      );

      let session: SessionJson | undefined;
      await t.step("a chat works", async () => {
        const created = await call<SessionJson>(
          f.url,
          seen,
          "POST",
          `/api/instances/${id}/sessions`,
          { title: "remote chat" },
        );
        assertEquals(created.status, 201, JSON.stringify(created.body));
        session = created.body;
        const sent = await call(
          f.url,
          seen,
          "POST",
          `/api/sessions/${session.id}/messages`,
          { text: "hello remote" },
        );
        assertEquals(sent.status, 202);
        const read = await events.until(idleOf(session.id));
        assertEquals(replyOf(read, session.id), fakeReply("hello remote"));
        const messages = await call<unknown[]>(
          f.url,
          seen,
          "GET",
          `/api/sessions/${session.id}/messages`,
        );
        assertEquals(messages.body.length, 2);
      });

      await t.step("a permission is answered", async () => {
        await call(
          f.url,
          seen,
          "POST",
          `/api/sessions/${session!.id}/messages`,
          { text: "use bash" },
        );
        const asked = await events.until((d) => d.type === "permission.asked");
        const request = JSON.parse(asked.at(-1)!.data).properties as {
          id: string;
        };
        const pending = await call<PermissionJson[]>(
          f.url,
          seen,
          "GET",
          "/api/permissions",
        );
        assertEquals(pending.body.map((p) => [p.id, p.instance_id]), [[
          request.id,
          id,
        ]]);
        const answered = await call(
          f.url,
          seen,
          "POST",
          `/api/permissions/${request.id}`,
          { reply: "once" },
        );
        assertEquals(answered.status, 200, JSON.stringify(answered.body));
        const read = await events.until(idleOf(session!.id));
        assertMatch(replyOf(read, session!.id), /Tool finished/);
      });

      await t.step(
        "the server is killed and started again: Flock reconnects and relays its events",
        async () => {
          remote.kill("SIGKILL");
          await remote.status;
          await events.until(statusIs(id, "error"));
          const down = await call<InstanceJson>(
            f.url,
            seen,
            "GET",
            `/api/instances/${id}`,
          );
          assertMatch(
            down.body.last_error ?? "",
            new RegExp(`OpenCode server at ${origin}`),
          );
          remote = await startRemote(port, remoteDir, env.env);
          await events.until(statusIs(id, "running"));
          await call(
            f.url,
            seen,
            "POST",
            `/api/sessions/${session!.id}/messages`,
            { text: "are you back" },
          );
          const read = await events.until(idleOf(session!.id));
          assertEquals(replyOf(read, session!.id), fakeReply("are you back"));
        },
      );

      await t.step(
        "a restart of Flock without the flag still reaches it",
        async () => {
          await events.close();
          await call(f.url, seen, "GET", `/api/instances/${id}/logs`);
          logs.push(seen.answers.at(-1)!);
          await stopFlock();
          f = await startFlock();
          const again = await EventLog.open(f.url);
          const row = await call<InstanceJson>(
            f.url,
            seen,
            "GET",
            `/api/instances/${id}`,
          );
          if (row.body.status !== "running") {
            await again.until(statusIs(id, "running"));
          }
          const sessions = await call<SessionJson[]>(
            f.url,
            seen,
            "GET",
            `/api/instances/${id}/sessions`,
          );
          assert(sessions.body.some((s) => s.id === session!.id));
          events.events.push(...again.events);
          await again.close();
        },
      );

      await t.step(
        "deleting it in Flock leaves the server running",
        async () => {
          const deleted = await call(
            f.url,
            seen,
            "DELETE",
            `/api/instances/${id}`,
          );
          assertEquals(deleted.status, 204);
          const health = await fetch(`${origin}/global/health`, {
            headers: { authorization: "Basic " + btoa(`opencode:${PASSWORD}`) },
          });
          assertEquals((await health.json()).healthy, true);
          assertEquals(remote.pid > 0, true);
        },
      );

      await stopFlock();
      await t.step("the password appears nowhere", () => {
        const haystacks: Record<string, string> = {
          answers: seen.answers.join("\n"),
          events: events.events.map((e) => e.data).join("\n"),
          logs: logs.join("\n"),
          printed: printed.join("\n"),
        };
        assert(haystacks.answers!.includes(origin), "answers were captured");
        assert(
          haystacks.events!.includes("message.part.delta"),
          "events were captured",
        );
        assert(
          haystacks.printed!.includes("listening on"),
          "output was captured",
        );
        for (const [what, text] of Object.entries(haystacks)) {
          assertEquals(
            text.includes(PASSWORD),
            false,
            `the password is in the ${what}`,
          );
          assertEquals(
            text.includes(btoa(`opencode:${PASSWORD}`)),
            false,
            what,
          );
        }
      });
    } finally {
      await stopFlock().catch(() => {});
      try {
        remote.kill("SIGKILL");
      } catch {
        // gone
      }
      await remote.status;
      await Deno.remove(flockHome, { recursive: true }).catch(() => {});
    }
  },
});
