import { deepStrictEqual } from "node:assert/strict";
import type { SessionJson } from "../../server/contract/sessions.ts";
import { sessionsLeftIn } from "./session_delete.ts";

function session(
  id: string,
  directory: string,
  branch: string | null,
): SessionJson {
  return {
    id,
    instance_id: "inst_a",
    title: id,
    status: "idle",
    created_at: "2026-12-01T00:00:00.000Z",
    updated_at: "2026-12-01T00:00:00.000Z",
    directory,
    branch,
    base: branch === null ? null : "main",
  };
}

function fakeApi(sessions: SessionJson[]) {
  const asked: string[] = [];
  return {
    asked,
    listSessions(instanceId: string): Promise<SessionJson[]> {
      asked.push(instanceId);
      return Promise.resolve(sessions);
    },
  };
}

Deno.test("sessionsLeftIn: the sessions still in a deleted worktree session's directory, as the server has them", async () => {
  const owner = session("ses_owner", "/wt/a", "task-a");
  const heir = session("ses_fork", "/wt/a", "task-a");
  const api = fakeApi([heir, session("ses_other", "/wt/b", "task-b")]);
  deepStrictEqual(await sessionsLeftIn(api, owner), [heir]);
  deepStrictEqual(api.asked, ["inst_a"]);
});

Deno.test("sessionsLeftIn: nothing to read again for a session without a worktree", async () => {
  const api = fakeApi([session("ses_b", "/repo", null)]);
  deepStrictEqual(
    await sessionsLeftIn(api, session("ses_a", "/repo", null)),
    [],
  );
  deepStrictEqual(api.asked, []);
});
