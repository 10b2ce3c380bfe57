/**
 * Verifies how one real `opencode serve` (the pinned 1.18.33, driven by the
 * fake model) serves a git worktree of its own directory through
 * `?directory=` / `x-opencode-directory`: where sessions run, which event
 * streams carry their events, which routes need the directory. The
 * findings are recorded in AGENTS.md; Flock's event reading and routing
 * depend on them.
 *
 * One OpenCode for every step (it takes seconds to start).
 */
import { createParser } from "eventsource-parser";
import { pinnedOpenCodePath } from "../opencode/opencode_binary.ts";
import {
  decodeText,
  LineSplitStream,
  parseListeningLine,
} from "../opencode/output.ts";
import { spawnChild } from "../opencode/spawn.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { startFakeModel } from "../testing/fake_model.ts";
import { createOpenCodeEnv } from "../testing/opencode_env.ts";
import { waitFor } from "../testing/procfs.ts";
import { testGit } from "./test_repo.ts";
import { createWorktree } from "./worktrees.ts";

type Json = Record<string, unknown>;

/** One OpenCode event, unwrapped from `/global/event`'s envelope. */
interface Seen {
  /** `/global/event` only: the directory it belongs to. */
  directory: string | undefined;
  type: string;
  id: string | undefined;
  properties: Json;
}

function sessionOf(e: Seen): string | undefined {
  const p = e.properties;
  const info = p.info as Json | undefined;
  return (p.sessionID ?? info?.sessionID ?? info?.id) as string | undefined;
}

/** Collects every event of one SSE stream, in order. */
class EventLog {
  readonly events: Seen[] = [];
  readonly #abort = new AbortController();
  readonly #done: Promise<void>;

  constructor(readonly name: string, url: string, auth: string) {
    this.#done = (async () => {
      const response = await fetch(url, {
        headers: { authorization: auth },
        signal: this.#abort.signal,
      });
      const parser = createParser({
        onEvent: (message) => {
          const raw = JSON.parse(message.data) as Json;
          const payload = (raw.payload ?? raw) as Json;
          this.events.push({
            directory: raw.directory as string | undefined,
            type: String(payload.type),
            id: payload.id as string | undefined,
            properties: (payload.properties ?? {}) as Json,
          });
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
    })().catch(() => {});
  }

  /** The position of the next event (for {@linkcode wait}'s `after`). */
  mark(): number {
    return this.events.length;
  }

  /** Waits until an event at or after position `after` matches; returns it. */
  wait(what: string, match: (e: Seen) => boolean, after = 0, ms = 120_000) {
    return waitFor(
      `${what} on ${this.name}`,
      () => this.events.slice(after).find(match),
      ms,
    );
  }

  /** The events of `session` that came before the first event matching `marker`. */
  before(marker: (e: Seen) => boolean, session: string): Seen[] {
    const end = this.events.findIndex(marker);
    assert(end >= 0, `${this.name} has no marker`);
    return this.events.slice(0, end).filter((e) =>
      e.type !== "sync" && sessionOf(e) === session
    );
  }

  async close() {
    this.#abort.abort();
    await this.#done;
  }
}

Deno.test("OpenCode 1.18.33 serves a worktree of its directory through ?directory= / x-opencode-directory", async (t) => {
  await using model = await startFakeModel({ tokenDelayMs: 5 });
  await using env = await createOpenCodeEnv({
    modelBaseURL: model.baseURL,
    bash: "allow",
  });
  const git = testGit();
  const repo = await env.workspace("A");
  await git.run(["init", "--quiet", "--initial-branch=main"], { dir: repo });
  await Deno.writeTextFile(`${repo}/hello.txt`, "hello\n");
  await git.run(["add", "--all"], { dir: repo });
  await git.run(["commit", "--quiet", "-m", "initial"], { dir: repo });
  // A space in the path shows that URL-encoding is handled.
  const wt = (await createWorktree(git, {
    repo,
    path: `${env.root}/ws/wt b`,
    branch: "flock/wt",
  })).path;

  const child = spawnChild({
    command: pinnedOpenCodePath(),
    args: ["serve", "--port", "0", "--hostname", "127.0.0.1"],
    cwd: repo,
    env: { ...env.env, OPENCODE_SERVER_PASSWORD: "pw" },
    detached: true,
  });
  const stderr = new Response(child.stderr).text();
  const lines = decodeText(child.stdout).pipeThrough(new LineSplitStream())
    .getReader();
  const logs: EventLog[] = [];
  try {
    let base = "";
    while (base === "") {
      const { value, done } = await lines.read();
      if (done) throw new Error(`opencode exited: ${await stderr}`);
      base = parseListeningLine(value) ?? "";
    }
    const drained = (async () => {
      while (!(await lines.read()).done);
    })();
    const auth = "Basic " + btoa("opencode:pw");
    const q = (dir: string) => `directory=${encodeURIComponent(dir)}`;
    const header = { "x-opencode-directory": encodeURIComponent(wt) };
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; json: unknown }> => {
      const response = await fetch(base + path, {
        method,
        headers: {
          authorization: auth,
          ...headers,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        json: text === "" ? null : JSON.parse(text),
      };
    };
    const prompt = (session: string, text: string, query = "") =>
      call("POST", `/session/${session}/prompt_async${query}`, {
        parts: [{ type: "text", text }],
      });
    const plain = new EventLog("/event", `${base}/event`, auth);
    const inRepo = new EventLog(
      "/event?directory=A",
      `${base}/event?${q(repo)}`,
      auth,
    );
    const inWt = new EventLog(
      "/event?directory=wt",
      `${base}/event?${q(wt)}`,
      auth,
    );
    const global = new EventLog("/global/event", `${base}/global/event`, auth);
    logs.push(plain, inRepo, inWt, global);
    for (const log of logs) {
      await log.wait("server.connected", (e) => e.type === "server.connected");
    }
    /** Waits for the session's next session.idle after position `after`. */
    const idle = (session: string, after: number) =>
      global.wait(
        `session.idle of ${session}`,
        (e) => e.type === "session.idle" && sessionOf(e) === session,
        after,
      );
    const toolOutputs = async (session: string) => {
      const messages = (await call("GET", `/session/${session}/message`))
        .json as Array<{ parts: Json[] }>;
      return messages.flatMap((m) => m.parts)
        .filter((p) => p.type === "tool")
        .map((p) => String((p.state as Json).output).trim());
    };

    let byQuery = "";
    let byHeader = "";
    let inMain = "";
    await t.step(
      "a session created with ?directory= or the URL-encoded header lives in the worktree",
      async () => {
        const a = await call("POST", `/session?${q(wt)}`, {
          title: "by query",
        });
        const b = await call(
          "POST",
          "/session",
          { title: "by header" },
          header,
        );
        const c = await call("POST", "/session", { title: "in main" });
        assertEquals([a.status, b.status, c.status], [200, 200, 200]);
        assertEquals((a.json as Json).directory, wt);
        assertEquals((b.json as Json).directory, wt);
        assertEquals((c.json as Json).directory, repo);
        byQuery = (a.json as Json).id as string;
        byHeader = (b.json as Json).id as string;
        inMain = (c.json as Json).id as string;
      },
    );

    await t.step(
      "its agent runs tools in the worktree, and its events go to /event?directory=<wt> and /global/event only",
      async () => {
        const start = global.mark();
        assertEquals(
          (await prompt(byQuery, "use bash: pwd", `?${q(wt)}`)).status,
          204,
        );
        await idle(byQuery, start);
        assertEquals(await toolOutputs(byQuery), [wt]);
        // Markers published after the prompt finished, one per directory.
        const markWt =
          (await call("POST", `/session?${q(wt)}`, { title: "mark" }))
            .json as Json;
        const markRepo = (await call("POST", "/session", { title: "mark" }))
          .json as Json;
        const isMark = (m: Json) => (e: Seen) =>
          e.type === "session.created" && sessionOf(e) === m.id;
        for (const log of [inWt, global]) {
          await log.wait("wt marker", isMark(markWt));
        }
        for (const log of [plain, inRepo, global]) {
          await log.wait("repo marker", isMark(markRepo));
        }

        const ofGlobal = global.before(isMark(markWt), byQuery);
        const ofWt = inWt.before(isMark(markWt), byQuery);
        assert(ofGlobal.length > 10, `only ${ofGlobal.length} events`);
        assert(ofGlobal.every((e) => e.directory === wt));
        assertEquals(ofWt.map((e) => e.id), ofGlobal.map((e) => e.id));
        for (
          const type of [
            "session.created",
            "message.part.delta",
            "session.status",
            "session.idle",
          ]
        ) {
          assert(ofWt.some((e) => e.type === type), type);
        }
        // Nothing of the worktree session on the server's own directory.
        assertEquals(plain.before(isMark(markRepo), byQuery), []);
        assertEquals(inRepo.before(isMark(markRepo), byQuery), []);
        // The main directory's session: /event, /event?directory=A, /global/event.
        for (const log of [plain, inRepo]) {
          assert(
            log.before(isMark(markRepo), inMain).some((e) =>
              e.type === "session.created"
            ),
          );
        }
        assertEquals(inWt.before(isMark(markWt), inMain), []);
        assertEquals(
          global.events.find((e) =>
            e.type === "session.created" && sessionOf(e) === inMain
          )?.directory,
          repo,
        );
        for (const m of [markWt, markRepo]) {
          assertEquals((await call("DELETE", `/session/${m.id}`)).status, 200);
        }
      },
    );

    await t.step(
      "GET /session: all of the project without a directory, only the worktree's with ?directory=, the header does not filter",
      async () => {
        const titles = async (
          path: string,
          headers: Record<string, string> = {},
        ) =>
          ((await call("GET", path, undefined, headers)).json as Json[])
            .map((s) => s.title as string).sort();
        assertEquals(await titles("/session"), [
          "by header",
          "by query",
          "in main",
        ]);
        assertEquals(await titles(`/session?${q(wt)}`), [
          "by header",
          "by query",
        ]);
        assertEquals(await titles(`/session?${q(repo)}`), ["in main"]);
        assertEquals(await titles("/session", header), [
          "by header",
          "by query",
          "in main",
        ]);
      },
    );

    await t.step(
      "routes under /session/{id} follow the session's own directory, even without (or with a wrong) ?directory=",
      async () => {
        const got = await call("GET", `/session/${byHeader}`);
        assertEquals([got.status, (got.json as Json).directory], [200, wt]);
        const start = global.mark();
        assertEquals(
          (await prompt(byHeader, "use bash: pwd", `?${q(repo)}`)).status,
          204,
        );
        await idle(byHeader, start);
        assertEquals(await toolOutputs(byHeader), [wt]);
        const dirs = new Set(
          global.events.slice(start).filter((e) => sessionOf(e) === byHeader)
            .map((e) => e.directory),
        );
        assertEquals([...dirs], [wt]);
      },
    );

    await t.step(
      "edits, /session/{id}/diff, revert, unrevert, fork and delete work without the directory, in the worktree",
      async () => {
        const start = global.mark();
        await prompt(byQuery, "use bash: echo edited-by-agent > hello.txt");
        await idle(byQuery, start);
        assertEquals(
          await Deno.readTextFile(`${wt}/hello.txt`),
          "edited-by-agent\n",
        );
        assertEquals(await Deno.readTextFile(`${repo}/hello.txt`), "hello\n");
        const messages = (await call("GET", `/session/${byQuery}/message`))
          .json as Array<{ info: Json }>;
        const user = messages.filter((m) => m.info.role === "user").at(-1)!.info
          .id as string;
        const diff = await call(
          "GET",
          `/session/${byQuery}/diff?messageID=${user}`,
        );
        const files = (diff.json as Json[]).map((
          d,
        ) => [d.file, d.status, d.additions, d.deletions]);
        assertEquals(files, [["hello.txt", "modified", 1, 1]]);
        assertEquals(
          (await call(
            "GET",
            `/session/${byQuery}/diff?messageID=${user}&${q(wt)}`,
          )).json,
          diff.json,
        );
        const reverted = await call("POST", `/session/${byQuery}/revert`, {
          messageID: user,
        });
        assertEquals(reverted.status, 200);
        assertEquals(await Deno.readTextFile(`${wt}/hello.txt`), "hello\n");
        assertEquals(
          (await call("POST", `/session/${byQuery}/unrevert`)).status,
          200,
        );
        assertEquals(
          await Deno.readTextFile(`${wt}/hello.txt`),
          "edited-by-agent\n",
        );
        assertEquals(await Deno.readTextFile(`${repo}/hello.txt`), "hello\n");
        const fork = await call("POST", `/session/${byQuery}/fork`, {
          messageID: user,
        });
        assertEquals([fork.status, (fork.json as Json).directory], [200, wt]);
        const forkId = (fork.json as Json).id as string;
        assertEquals((await call("DELETE", `/session/${forkId}`)).status, 200);
        const deleted = await global.wait(
          "session.deleted",
          (e) => e.type === "session.deleted" && sessionOf(e) === forkId,
        );
        assertEquals(deleted.directory, wt);
      },
    );

    await t.step(
      "instance routes need the directory: /permission, /permission/{id}/reply, /session/status",
      async () => {
        const asking = await call("POST", `/session?${q(wt)}`, {
          title: "asks",
          permission: [{ permission: "bash", pattern: "*", action: "ask" }],
        });
        const session = (asking.json as Json).id as string;
        const ask = async () => {
          const start = global.mark();
          await prompt(session, "use bash: pwd");
          const asked = await global.wait(
            "permission.asked",
            (e) => e.type === "permission.asked" && sessionOf(e) === session,
            start,
          );
          return { asked, start };
        };
        const { asked: first, start: firstStart } = await ask();
        assertEquals(first.directory, wt);
        await inWt.wait("permission.asked", (e) => e.id === first.id);
        const id = first.properties.id as string;
        const pending = async (
          path: string,
          headers: Record<string, string> = {},
        ) =>
          ((await call("GET", path, undefined, headers)).json as Json[]).map((
            p,
          ) => p.id);
        assertEquals(await pending("/permission"), []);
        assertEquals(await pending(`/permission?${q(wt)}`), [id]);
        assertEquals(await pending("/permission", header), [id]);
        const busy = async (query: string) =>
          Object.keys(
            (await call("GET", `/session/status${query}`)).json as Json,
          );
        assertEquals(await busy(""), []);
        assertEquals(await busy(`?${q(wt)}`), [session]);

        const lost = await call("POST", `/permission/${id}/reply`, {
          reply: "once",
        });
        assertEquals(lost.status, 404);
        assertEquals((lost.json as Json)._tag, "PermissionNotFoundError");
        const replied = await call("POST", `/permission/${id}/reply?${q(wt)}`, {
          reply: "once",
        });
        assertEquals([replied.status, replied.json], [200, true]);
        await idle(session, firstStart);

        // The deprecated per-session route resolves the session's directory itself.
        const { asked: second, start: secondStart } = await ask();
        const old = await call(
          "POST",
          `/session/${session}/permissions/${second.properties.id}`,
          { response: "once" },
        );
        assertEquals([old.status, old.json], [200, true]);
        await global.wait(
          "permission.replied",
          (e) =>
            e.type === "permission.replied" &&
            e.properties.requestID === second.properties.id,
          secondStart,
        );
        await idle(session, secondStart);
        assertEquals(await toolOutputs(session), [wt, wt]);
      },
    );

    await t.step(
      "abort works without the directory; /global/event has heartbeats",
      async () => {
        const start = global.mark();
        await prompt(byHeader, "slow slow slow");
        await global.wait(
          "a delta",
          (e) => e.type === "message.part.delta" && sessionOf(e) === byHeader,
          start,
        );
        const aborted = await call("POST", `/session/${byHeader}/abort`);
        assertEquals([aborted.status, aborted.json], [200, true]);
        const error = await global.wait(
          "session.error",
          (e) => e.type === "session.error" && sessionOf(e) === byHeader,
          start,
        );
        await idle(byHeader, start);
        assertEquals(
          (error.properties.error as Json).name,
          "MessageAbortedError",
        );
        // Every 10 s, without a directory, so a /global/event reader can watch for silence.
        const beat = await global.wait(
          "server.heartbeat",
          (e) => e.type === "server.heartbeat",
          0,
          30_000,
        );
        assertEquals(beat.directory, undefined);
      },
    );

    for (const log of logs) await log.close();
    child.kill("SIGTERM");
    await drained;
  } finally {
    for (const log of logs) await log.close();
    child.kill("SIGTERM");
    await child.status;
    await stderr;
  }
});
