/**
 * Search across every session of every instance, against real OpenCodes
 * and the fake model: a word from a reply is found (with a highlighted
 * snippet) after its instance is stopped, and after Flock itself restarts
 * with no OpenCode at all; titles are found; sessions of two instances
 * come back together; bad queries get JSON 400s.
 */
import type { SearchJson } from "../contract/search.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import {
  messagesOf,
  newSession,
  refused,
  replied,
  send,
} from "../testing/driving.ts";
import { EventLog } from "../testing/event_log.ts";
import { startFakeModel } from "../testing/fake_model.ts";
import { startTestFlock, type TestFlock } from "../testing/flock_harness.ts";
import { createOpenCodeEnv } from "../testing/opencode_env.ts";

async function search(flock: TestFlock, q: string): Promise<SearchJson> {
  const res = await flock.api<SearchJson>(
    "GET",
    `/api/search?q=${encodeURIComponent(q)}`,
  );
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

Deno.test({
  name:
    "search finds a word from a reply in a stopped instance, and after a Flock restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using model = await startFakeModel();
    await using env = await createOpenCodeEnv({ modelBaseURL: model.baseURL });
    const dataDir = await Deno.makeTempDir({ prefix: "flock-search-" });
    try {
      let session: SessionJson;
      let replyId: string;
      {
        await using flock = await startTestFlock({ dataDir, model, env });
        const a = await flock.createInstance("search-a");
        const b = await flock.createInstance("search-b");
        await using log = await EventLog.open(flock);
        session = await newSession(flock, a, "first");
        const other = await newSession(flock, b, "second");

        await t.step(
          "a reply's words and a title are indexed as they come",
          async () => {
            let from = log.mark();
            await send(flock, session, "please remember zeppelin");
            await replied(log, session, "please remember zeppelin", from);
            from = log.mark();
            await send(flock, other, "zeppelins everywhere");
            await replied(log, other, "zeppelins everywhere", from);
            const renamed = await flock.api<SessionJson>(
              "PATCH",
              `/api/sessions/${session.id}`,
              { title: "Quarterly airship report" },
            );
            assertEquals(renamed.status, 200);
            const messages = await messagesOf(flock, session);
            const reply = messages.findLast((m) => m.info.role === "assistant");
            assert(reply);
            replyId = reply.info.id;

            const both = await search(flock, "zeppelin");
            assertEquals(
              both.results.map((r) => r.session.id).sort(),
              [session.id, other.id].sort(),
            );
            const mine = both.results.find((r) => r.session.id === session.id);
            assertEquals(mine?.instance_name, "search-a");
            assert(
              mine?.hits.some((h) =>
                h.kind === "text" && h.message_id === replyId &&
                h.snippet.some((s) => s.hit && /zeppelin/i.test(s.text))
              ),
              JSON.stringify(mine),
            );
            const title = await search(flock, "quarter airship");
            assertEquals(title.results.map((r) => r.session.id), [session.id]);
            assertEquals(title.results[0]?.hits[0]?.kind, "title");
            assertEquals(
              title.results[0]?.hits[0]?.snippet.filter((s) => s.hit).map((s) =>
                s.text
              ),
              ["Quarterly", "airship"],
            );
          },
        );

        await t.step("bad queries are 400s", async () => {
          for (
            const q of [
              "/api/search",
              "/api/search?q=",
              "/api/search?q=%20%20",
              "/api/search?q=!!!",
              `/api/search?q=${"a".repeat(201)}`,
              "/api/search?q=x&limit=0",
              "/api/search?q=x&limit=abc",
            ]
          ) {
            const error = await refused(flock, "GET", q, undefined, 400);
            assert(error.message.length > 0, q);
          }
        });

        await t.step("a stopped instance is still searched", async () => {
          const stopped = await flock.api(
            "POST",
            `/api/instances/${a.id}/stop`,
          );
          assertEquals(stopped.status, 200);
          const found = await search(flock, "zeppelin");
          assert(found.results.some((r) => r.session.id === session.id));
        });
      }
      // A new Flock with no OpenCode at all finds it from its own index.
      await using flock = await startTestFlock({ dataDir, opencode: false });
      const found = await search(flock, "remember zeppelin");
      assertEquals(found.results.map((r) => r.session.id), [session.id]);
      assert(
        found.results[0]!.hits.some((h) => h.message_id === replyId),
        JSON.stringify(found.results[0]),
      );
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
