/**
 * Sessions in their own worktrees and the changes panel, in Chromium
 * against a real Flock, a real OpenCode driven by the fake model (its
 * `WRITE>` cue writes a file through OpenCode's write tool) and a real git
 * repository in a temp dir: a worktree session created from the page, the
 * agent's new file and its diff shown live, a comment on a diff line that
 * reaches the conversation, revert/unrevert and fork from a message,
 * commit and merge from the page, uncommitted changes and a conflicting
 * merge refused with the files named, a deleted owner's worktree inherited
 * by its fork, a forced delete, and an instance removed with its worktrees
 * after asking again.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import type { InstanceJson } from "../../server/contract/instances.ts";
import type { SessionJson } from "../../server/contract/sessions.ts";
import { TempRepo } from "../../server/git/test_repo.ts";
import {
  ARTIFACTS,
  BrowserFlock,
  browserSkipReason,
  launchBrowser,
  waitFor,
} from "./browser_support.ts";
import { api, idle, send } from "./driving_support.ts";
import { smallTargets } from "./page_audit.ts";

const skip = browserSkipReason();

/** Creates a worktree session from the sidebar's dialog and waits until it is open. */
async function newWorktreeSession(
  page: Page,
  instanceName: string,
  title: string,
  branch: string,
): Promise<string> {
  const before = page.url();
  await page.getByRole("button", {
    name: `New worktree session in ${instanceName}…`,
  }).click();
  const dialog = page.locator("new-session-dialog dialog");
  await dialog.waitFor();
  await dialog.getByLabel("Title (optional)").fill(title);
  ok(await dialog.getByLabel("In its own worktree").isChecked());
  await dialog.getByLabel("Branch (optional)").fill(branch);
  await dialog.locator("[data-create-session]").click();
  await waitFor("the new session to open", () => page.url() !== before);
  await page.getByRole("textbox", { name: "Message" }).waitFor();
  const id = decodeURIComponent(new URL(page.url()).hash.slice("#/s/".length));
  ok(id.startsWith("ses_"), id);
  return id;
}

async function openChanges(page: Page): Promise<void> {
  const panel = page.locator("changes-panel details");
  await panel.waitFor();
  if (!(await panel.evaluate((d) => (d as HTMLDetailsElement).open))) {
    await panel.locator("summary").click();
  }
}

Deno.test({
  name:
    "PWA: worktree sessions, the live changes panel, comments, commit, merge",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using repo = await TempRepo.create({
    "README.md": "hello\n",
    "src/app.txt": "one\ntwo\nthree\n",
  });
  await using flock = await BrowserFlock.start();
  const instance = await api<InstanceJson>(flock, "POST", "/api/instances", {
    working_directory: repo.path,
    name: "repo",
  });
  await waitFor(
    "the instance to run",
    async () =>
      (await api<InstanceJson>(flock, "GET", `/api/instances/${instance.id}`))
        .status === "running",
    60_000,
  );
  await flock.warmUp(instance.id);
  await using browser = await launchBrowser();
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(flock.url);
  // Each step needs the ones before it: stop at the first failure.
  const step = async (name: string, fn: () => Promise<void>) => {
    if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
  };
  let a = "";
  let worktreeA = "";

  await step(
    "a worktree session made from the page shows its branch",
    async () => {
      a = await newWorktreeSession(page, "repo", "Task A", "task-a");
      await page.locator("[data-session-branch]", { hasText: "task-a" })
        .waitFor();
      const session = await api<SessionJson>(
        flock,
        "GET",
        `/api/sessions/${a}`,
      );
      strictEqual(session.branch, "task-a");
      strictEqual(session.base, "main");
      worktreeA = session.directory ?? "";
      ok(worktreeA.startsWith(`${flock.dataDir}/worktrees/`), worktreeA);
      await openChanges(page);
      await page.locator("[data-no-changes]").waitFor();
    },
  );

  await step("the agent's new file and its diff appear live", async () => {
    await send(
      page,
      "WRITE> notes.txt first line from the agent\nREPLY> wrote it",
    );
    const file = page.locator('[data-diff-file="notes.txt"]');
    await file.waitFor({ timeout: 60_000 });
    strictEqual(await file.locator("[data-file-status]").textContent(), "A");
    await file.locator(".d2h-code-line-ctn", {
      hasText: "first line from the agent",
    }).waitFor();
    await page.locator("[data-changes-totals]", { hasText: "+1" }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}worktree-changes.png` });
    // the open panel's controls are tap targets too (≥ 44 px both ways)
    deepStrictEqual(await smallTargets(page, 44, "changes-panel"), []);
    strictEqual(await repo.read("notes.txt"), null, "main checkout untouched");
    strictEqual(
      await repo.read("notes.txt", worktreeA),
      "first line from the agent\n",
    );
    await idle(flock, a);
  });

  await step(
    "a comment on a diff line reaches the conversation",
    async () => {
      const file = page.locator('[data-diff-file="notes.txt"]');
      await file.locator(".d2h-code-line-ctn", {
        hasText: "first line from the agent",
      }).click();
      const form = file.locator("[data-comment-form]");
      await form.getByText("line 1").waitFor();
      await form.getByLabel("Comment").fill("Say hello instead");
      await form.locator("[data-send-comment]").click();
      await file.locator("[data-comment-sent]").waitFor();
      const bubble = page.locator("[data-role=user]", {
        hasText: "Say hello instead",
      });
      await bubble.waitFor({ timeout: 60_000 });
      await bubble.getByText("Comment on notes.txt line 1").waitFor();
      await idle(flock, a);
    },
  );

  await step(
    "commit all, the branch view, then a fast-forward merge",
    async () => {
      const actions = page.locator("changes-actions");
      await actions.getByLabel("Commit summary").fill("Add notes");
      await actions.locator("[data-commit]").click();
      await actions.locator("[data-action-feedback]", {
        hasText: "Committed 1 file",
      }).waitFor();
      await page.locator("[data-no-changes]").waitFor();
      await page.locator('[data-scope="branch"]').click();
      await page.locator('[data-diff-file="notes.txt"]').waitFor();
      await actions.locator("[data-merge]").click();
      await actions.locator("[data-action-feedback]", {
        hasText: "Merged task-a into main (fast-forward",
      }).waitFor();
      strictEqual(
        await repo.run(["show", "main:notes.txt"]),
        "first line from the agent\n",
      );
    },
  );

  let b = "";
  await step(
    "revert to before a message and undo it, from the page",
    async () => {
      b = await newWorktreeSession(page, "repo", "Task B", "task-b");
      const worktreeB =
        (await api<SessionJson>(flock, "GET", `/api/sessions/${b}`))
          .directory ??
          "";
      await send(page, "WRITE> README.md from task b\nREPLY> edited");
      await openChanges(page);
      await page.locator('[data-diff-file="README.md"]').waitFor({
        timeout: 60_000,
      });
      await idle(flock, b);
      const prompt = page.locator("[data-role=user]", {
        hasText: "from task b",
      });
      const actions = page.locator("message-actions").first();
      await prompt.waitFor();
      await actions.locator("[data-revert]").click();
      await actions.locator("[data-reverted-here]").waitFor();
      await waitFor(
        "the file to be restored",
        async () => await repo.read("README.md", worktreeB) === "hello\n",
      );
      await page.locator("[data-no-changes]").waitFor();
      await actions.locator("[data-undo-revert]").click();
      await waitFor(
        "the edit to be back",
        async () => await repo.read("README.md", worktreeB) === "from task b\n",
      );
      await page.locator('[data-diff-file="README.md"]').waitFor();
    },
  );

  await step(
    "merge refuses uncommitted changes, then a conflict, naming the files",
    async () => {
      // main moves on: the same line of README.md, committed in the checkout
      await repo.write("README.md", "hello from main\n");
      await repo.commit("main edits README");
      const mainBefore = await repo.rev("main");
      const actions = page.locator("changes-actions");
      await actions.locator("[data-merge]").click();
      const dirty = actions.locator("[data-action-error]", {
        hasText: "README.md",
      });
      await dirty.waitFor();
      ok((await dirty.textContent())?.includes("Cannot merge (409)"));
      await actions.getByLabel("Commit summary").fill("B edits README");
      await actions.locator("[data-commit]").click();
      await actions.locator("[data-action-feedback]", { hasText: "Committed" })
        .waitFor();
      const branchBefore = await repo.rev("task-b");
      await actions.locator("[data-merge]").click();
      const error = actions.locator("[data-action-error]", {
        hasText: "Files: README.md",
      });
      await error.waitFor();
      ok((await error.textContent())?.includes("Cannot merge (409)"));
      strictEqual(await repo.rev("main"), mainBefore);
      strictEqual(await repo.rev("task-b"), branchBefore);
    },
  );

  let forked = "";
  await step("fork from a message opens the new session", async () => {
    const before = page.url();
    await page.locator("message-actions").first().locator("[data-fork]")
      .click();
    await waitFor("the fork to open", () => page.url() !== before);
    forked = decodeURIComponent(
      new URL(page.url()).hash.slice("#/s/".length),
    );
    ok(forked !== b && forked.startsWith("ses_"), forked);
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    await page.goto(`${flock.url}/#/s/${b}`);
    await page.locator("[data-session-branch]", { hasText: "task-b" })
      .waitFor();
  });

  await step(
    "deleting the owner hands the worktree to its fork; deleting that asks again, then forces",
    async () => {
      const worktreeB =
        (await api<SessionJson>(flock, "GET", `/api/sessions/${b}`))
          .directory ?? "";
      await page.getByRole("button", { name: "Delete session" }).click();
      const dialog = page.locator("session-header confirm-dialog dialog");
      await dialog.locator("[data-confirm]").click();
      await waitFor("the overview", () => new URL(page.url()).hash === "#/");
      // The fork inherited the worktree: nothing was removed or asked.
      strictEqual(await repo.read("README.md", worktreeB), "from task b\n");
      await page.goto(`${flock.url}/#/s/${forked}`);
      await page.locator("[data-session-branch]", { hasText: "task-b" })
        .waitFor();

      await page.getByRole("button", { name: "Delete session" }).click();
      await dialog.locator("[data-confirm]").click();
      await dialog.getByText("Delete the worktree anyway?").waitFor();
      await dialog.getByText("(409)").waitFor();
      await dialog.locator("[data-confirm]").click();
      await waitFor("the overview", () => new URL(page.url()).hash === "#/");
      await waitFor("the worktree to go", async () => {
        try {
          await Deno.stat(worktreeB);
          return false;
        } catch {
          return true;
        }
      });
      strictEqual(await repo.rev("task-b") !== "", true, "the branch is kept");
    },
  );

  await step(
    "removing the instance with work in a worktree asks again, then forces",
    async () => {
      await repo.write("scratch.txt", "not committed\n", worktreeA);
      await page.getByRole("button", { name: "Remove repo" }).click();
      const dialog = page.locator("instance-list confirm-dialog dialog");
      await dialog.locator("[data-confirm]").click();
      await dialog.getByText("Remove the worktrees anyway?").waitFor();
      await dialog.getByText("scratch.txt").waitFor();
      await dialog.getByText(a).waitFor();
      // Nothing was removed yet.
      strictEqual(
        await repo.read("scratch.txt", worktreeA),
        "not committed\n",
      );
      await dialog.locator("[data-confirm]").click();
      await page.getByRole("button", { name: "Remove repo" }).waitFor({
        state: "detached",
      });
      strictEqual(
        (await repo.run(["worktree", "list", "--porcelain"])).includes(
          worktreeA,
        ),
        false,
      );
      await waitFor("worktree A to go", async () => {
        try {
          await Deno.stat(worktreeA);
          return false;
        } catch {
          return true;
        }
      });
      // task-a was merged: it goes; task-b was not: it stays.
      strictEqual(
        (await repo.run(["branch", "--list", "task-a", "task-b"])).trim(),
        "task-b",
      );
    },
  );

  strictEqual(pageErrors.length, 0, pageErrors.join("\n"));
});
