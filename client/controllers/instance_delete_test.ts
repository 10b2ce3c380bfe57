import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import { ApiError } from "../api/api_client.ts";
import type { ConfirmOptions } from "../elements/confirm-dialog.ts";
import { removeInstance } from "./instance_delete.ts";

/** A fake `deleteInstance`: answers each call with the next outcome. */
function fakeApi(outcomes: (ApiError | null)[]) {
  const calls: [string, boolean][] = [];
  return {
    calls,
    deleteInstance(id: string, force = false): Promise<void> {
      calls.push([id, force]);
      const outcome = outcomes.shift();
      return outcome ? Promise.reject(outcome) : Promise.resolve();
    },
  };
}

function asker(answer: boolean) {
  const asked: ConfirmOptions[] = [];
  return {
    asked,
    ask(options: ConfirmOptions) {
      asked.push(options);
      return Promise.resolve(answer);
    },
  };
}

const refusal = new ApiError(
  409,
  "worktrees_have_work",
  "Cannot delete instance inst_a as a session's worktree has work to lose: session ses_a (branch task-a: uncommitted changes in a.txt).",
);

Deno.test("removeInstance: removed at once when nothing is refused; nothing asked", async () => {
  const api = fakeApi([null]);
  const confirm = asker(true);
  strictEqual(await removeInstance(api, "inst_a", confirm), true);
  deepStrictEqual(api.calls, [["inst_a", false]]);
  strictEqual(confirm.asked.length, 0);
});

Deno.test("removeInstance: worktrees with work to lose ask again, naming them, then force", async () => {
  const api = fakeApi([refusal, null]);
  const confirm = asker(true);
  strictEqual(await removeInstance(api, "inst_a", confirm), true);
  deepStrictEqual(api.calls, [["inst_a", false], ["inst_a", true]]);
  strictEqual(confirm.asked[0]?.title, "Remove the worktrees anyway?");
  strictEqual(
    confirm.asked[0]?.message.startsWith(
      "Cannot remove (409): Cannot delete instance inst_a as a session's worktree has work to lose: session ses_a (branch task-a: uncommitted changes in a.txt). Removing anyway",
    ),
    true,
    confirm.asked[0]?.message,
  );
});

Deno.test("removeInstance: declining keeps the instance", async () => {
  const api = fakeApi([refusal]);
  strictEqual(await removeInstance(api, "inst_a", asker(false)), false);
  deepStrictEqual(api.calls, [["inst_a", false]]);
});

Deno.test("removeInstance: any other refusal is thrown, nothing asked", async () => {
  const other = new ApiError(409, "conflict", "A workflow run is running");
  const api = fakeApi([other]);
  const confirm = asker(true);
  await rejects(() => removeInstance(api, "inst_a", confirm), other);
  strictEqual(confirm.asked.length, 0);
});
