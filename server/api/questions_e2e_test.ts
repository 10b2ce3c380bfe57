/**
 * OpenCode's question tool through Flock, against a real OpenCode and the
 * fake model: a question is listed (across instances and per session),
 * refused answers get a JSON 400 naming the field, an answer goes to the
 * instance and the agent continues with it, a rejection too, multiple
 * choice and free text, and a question a subagent asks in its child
 * session rolls up to the top-level session. One Flock and one instance
 * are shared by the steps, which run in order.
 */
import type { QuestionJson } from "../contract/questions.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { EventLog } from "../testing/event_log.ts";
import {
  idle,
  lastReply,
  messagesOf,
  newSession,
  refused,
  send,
} from "../testing/driving.ts";
import { FAKE_QUESTION_TASK_PROMPT } from "../testing/fake_model_agent_tools.ts";
import { startTestFlock } from "../testing/flock_harness.ts";
import type { QuestionAnsweredJson } from "./questions.ts";

Deno.test({
  name: "questions end to end with a real OpenCode",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using flock = await startTestFlock();
    const instance = await flock.createInstance("questions");
    await using log = await EventLog.open(flock);
    const session = await newSession(flock, instance, "asks");
    const questions = async (path = "/api/questions") =>
      (await flock.api<QuestionJson[]>("GET", path)).body;
    /** The answers OpenCode recorded on the question tool's part. */
    const answersOf = async (questionId: string) => {
      const asked = log.ofType("question.asked").find((e) =>
        e.properties.id === questionId
      );
      const callId = asked?.properties.tool?.callID;
      for (const message of await messagesOf(flock, session)) {
        for (const part of message.parts) {
          if (
            part.type === "tool" && part.callID === callId &&
            part.state.status === "completed"
          ) return part.state.metadata.answers;
        }
      }
      return undefined;
    };

    await t.step(
      "a question is listed, bad answers are refused, an answer lets the agent continue",
      async () => {
        const from = log.mark();
        await send(flock, session, "please use question");
        const asked = await log.waitFor(
          "question.asked",
          (e) => e.properties.sessionID === session.id,
          { from },
        );
        const id = asked.properties.id;
        const listed = await questions();
        assertEquals(listed.map((q) => q.id), [id]);
        assertEquals(listed[0]!.instance_id, instance.id);
        assertEquals(listed[0]!.root_session_id, session.id);
        assertEquals(listed[0]!.questions[0]!.header, "Colour");
        assertEquals(
          (await questions(`/api/sessions/${session.id}/questions`)).map((q) =>
            q.id
          ),
          [id],
        );
        const path = `/api/questions/${id}`;
        const cases: [unknown, string, RegExp][] = [
          [{ answers: "Red" }, "invalid_field", /"answers"/],
          [{ answers: [] }, "invalid_field", /1 answer/],
          [
            { answers: [["Red", "Blue"]] },
            "invalid_field",
            /"answers\[0\]".*one/,
          ],
          [{ answers: [[]] }, "invalid_field", /"answers\[0\]"/],
          [
            { answers: [["  "]] },
            "invalid_field",
            /"answers\[0\]\[0\]".*blank/,
          ],
          [{ answers: [[5]] }, "invalid_field", /"answers\[0\]\[0\]"/],
          [{ answers: [["Red", "Red"]] }, "invalid_field", /twice|one answer/],
          [{}, "missing_field", /answers/],
          [{ reject: false }, "invalid_field", /"reject"/],
          [{ answers: [["Red"]], reject: true }, "invalid_body", /not both/],
          [{ answers: [["Red"]], extra: 1 }, "unknown_field", /extra/],
          [[["Red"]], "invalid_body", /object/],
        ];
        for (const [body, code, message] of cases) {
          const error = await refused(flock, "POST", path, body, 400);
          assertEquals(error.code, code, JSON.stringify(body));
          assertMatch(error.message, message);
        }
        const unknown = await refused(
          flock,
          "POST",
          "/api/questions/que_nope",
          { answers: [["Red"]] },
          404,
        );
        assertEquals(unknown.code, "not_found");
        // Still pending after all that.
        assertEquals((await questions()).map((q) => q.id), [id]);

        const res = await flock.api<QuestionAnsweredJson>("POST", path, {
          answers: [[" Blue "]],
        });
        assertEquals(res.status, 200, JSON.stringify(res.body));
        assertEquals(res.body.answers, [["Blue"]]);
        assertEquals(res.body.root_session_id, session.id);
        await log.waitFor(
          "question.replied",
          (e) => e.properties.requestID === id,
          { from },
        );
        await idle(log, session, from);
        assertMatch(await lastReply(flock, session), /Tool finished.*"Blue"/);
        assertEquals(await questions(), []);
        await refused(flock, "POST", path, { answers: [["Red"]] }, 404);
      },
    );

    await t.step(
      "multiple choice, free text and two questions at once",
      async () => {
        let from = log.mark();
        await send(flock, session, "use question multiple");
        const multi = await log.waitFor("question.asked", () => true, { from });
        assertEquals(multi.properties.questions[0]!.multiple, true);
        const ok = await flock.api<QuestionAnsweredJson>(
          "POST",
          `/api/questions/${multi.properties.id}`,
          { answers: [["Red", "Green"]] },
        );
        assertEquals(ok.status, 200, JSON.stringify(ok.body));
        await idle(log, session, from);
        assertEquals(await answersOf(multi.properties.id), [["Red", "Green"]]);

        from = log.mark();
        await send(flock, session, "use questions");
        const two = await log.waitFor("question.asked", () => true, { from });
        assertEquals(two.properties.questions.length, 2);
        const path = `/api/questions/${two.properties.id}`;
        const error = await refused(
          flock,
          "POST",
          path,
          { answers: [["Red"]] },
          400,
        );
        assertMatch(error.message, /2 answer/);
        // Free text: the question allows it (OpenCode's default).
        const res = await flock.api<QuestionAnsweredJson>("POST", path, {
          answers: [["Teal, please"], ["Large"]],
        });
        assertEquals(res.status, 200, JSON.stringify(res.body));
        await idle(log, session, from);
        assertEquals(await answersOf(two.properties.id), [
          ["Teal, please"],
          ["Large"],
        ]);
      },
    );

    await t.step(
      "a rejected question: the agent is told and goes on",
      async () => {
        const from = log.mark();
        await send(flock, session, "use question");
        const asked = await log.waitFor("question.asked", () => true, { from });
        const res = await flock.api<QuestionAnsweredJson>(
          "POST",
          `/api/questions/${asked.properties.id}`,
          { reject: true },
        );
        assertEquals(res.status, 200, JSON.stringify(res.body));
        assertEquals([res.body.rejected, res.body.answers], [true, null]);
        await log.waitFor(
          "question.rejected",
          (e) => e.properties.requestID === asked.properties.id,
          { from },
        );
        await idle(log, session, from);
        assertEquals(await questions(), []);
      },
    );

    await t.step(
      "a subagent's question rolls up to its top-level session",
      async () => {
        const from = log.mark();
        await send(flock, session, "use task question");
        const asked = await log.waitFor(
          "question.asked",
          (e) => e.properties.sessionID !== session.id,
          { from },
        );
        const child = asked.properties.sessionID;
        // The event itself names the top-level session.
        assertEquals(asked.root_session_id, session.id);
        const listed = await questions();
        assertEquals(listed.map((q) => [q.sessionID, q.root_session_id]), [[
          child,
          session.id,
        ]]);
        assertEquals(
          (await questions(`/api/sessions/${session.id}/questions`)).length,
          1,
        );
        assertEquals(
          (await questions(`/api/sessions/${child}/questions`)).length,
          1,
        );
        const res = await flock.api<QuestionAnsweredJson>(
          "POST",
          `/api/questions/${asked.properties.id}`,
          { answers: [["Green"]] },
        );
        assertEquals(res.status, 200, JSON.stringify(res.body));
        assertEquals(res.body.session_id, child);
        await idle(log, session, from);
        const children = await flock.api<{ id: string; parent_id?: string }[]>(
          "GET",
          `/api/sessions/${session.id}/children`,
        );
        assert(
          children.body.some((c) =>
            c.id === child && c.parent_id === session.id
          ),
          JSON.stringify(children.body),
        );
        assert(FAKE_QUESTION_TASK_PROMPT.includes("use question"));
      },
    );
  },
});
