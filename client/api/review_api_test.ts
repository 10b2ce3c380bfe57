import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import { ApiClient, ApiError } from "./api_client.ts";
import {
  commentOnDiff,
  commitAll,
  createSession,
  deleteSession,
  forkSession,
  mergeRun,
  mergeSession,
  removeRunWorktree,
  revertSession,
  runDiff,
  sessionDiff,
  unrevertSession,
} from "./review_api.ts";

function recording(respond: () => Response = () => Response.json({})) {
  const calls: [string, string, unknown][] = [];
  const api = new ApiClient({
    fetch: (input, init) => {
      const body = typeof init?.body === "string"
        ? JSON.parse(init.body)
        : undefined;
      calls.push([init?.method ?? "GET", String(input), body]);
      return Promise.resolve(respond());
    },
  });
  return { api, calls };
}

Deno.test("a run's review calls: its diff, merge and worktree removal", async () => {
  const { api, calls } = recording();
  await runDiff(api, "run_1", "branch");
  await runDiff(api, "run_1", "working");
  await mergeRun(api, "run_1");
  await removeRunWorktree(api, "run_1");
  await removeRunWorktree(api, "run 2", true);
  deepStrictEqual(calls, [
    ["GET", "/api/runs/run_1/diff?scope=branch", undefined],
    ["GET", "/api/runs/run_1/diff?scope=working", undefined],
    ["POST", "/api/runs/run_1/merge", undefined],
    ["DELETE", "/api/runs/run_1/worktree", undefined],
    ["DELETE", "/api/runs/run%202/worktree?force=true", undefined],
  ]);
});

Deno.test("review calls: each route with its body", async () => {
  const { api, calls } = recording();
  await createSession(api, "inst a", {
    title: "T",
    worktree: { branch: "b", base: "main" },
  });
  await createSession(api, "i", { worktree: true });
  await sessionDiff(api, "ses_1", "branch");
  await revertSession(api, "ses_1", "msg_1");
  await unrevertSession(api, "ses_1");
  await forkSession(api, "ses_1", "msg_2");
  await forkSession(api, "ses_1");
  await commentOnDiff(api, "ses_1", {
    file: "a.ts",
    line: 3,
    quote: "x",
    comment: "y",
  });
  await commitAll(api, "ses_1", "msg");
  await mergeSession(api, "ses_1");
  deepStrictEqual(calls, [
    ["POST", "/api/instances/inst%20a/sessions", {
      title: "T",
      worktree: { branch: "b", base: "main" },
    }],
    ["POST", "/api/instances/i/sessions", { worktree: true }],
    ["GET", "/api/sessions/ses_1/diff?scope=branch", undefined],
    ["POST", "/api/sessions/ses_1/revert", { message_id: "msg_1" }],
    ["POST", "/api/sessions/ses_1/unrevert", undefined],
    ["POST", "/api/sessions/ses_1/fork", { message_id: "msg_2" }],
    ["POST", "/api/sessions/ses_1/fork", {}],
    ["POST", "/api/sessions/ses_1/comments", {
      file: "a.ts",
      line: 3,
      quote: "x",
      comment: "y",
    }],
    ["POST", "/api/sessions/ses_1/commit", { message: "msg" }],
    ["POST", "/api/sessions/ses_1/merge", undefined],
  ]);
});

Deno.test("delete: force only when asked", async () => {
  const { api, calls } = recording(() => new Response(null, { status: 204 }));
  await deleteSession(api, "ses_1");
  await deleteSession(api, "ses_1", true);
  deepStrictEqual(calls.map((c) => c[1]), [
    "/api/sessions/ses_1",
    "/api/sessions/ses_1?force=true",
  ]);
});

Deno.test("a 409 merge conflict carries the server's files on the ApiError", async () => {
  const { api } = recording(() =>
    Response.json({
      error: {
        code: "merge_conflict",
        message: "Cannot merge: conflict",
        files: ["README.md", "src/a.ts"],
      },
    }, { status: 409 })
  );
  await rejects(mergeSession(api, "ses_1"), (error) => {
    if (!(error instanceof ApiError)) return false;
    strictEqual(error.status, 409);
    strictEqual(error.code, "merge_conflict");
    deepStrictEqual(error.files, ["README.md", "src/a.ts"]);
    return true;
  });
});
