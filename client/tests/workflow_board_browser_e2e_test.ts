/**
 * The workflow board in a real Chromium against a real Flock (real OpenCode,
 * the fake model playing the roles) on a temp git repository:
 *
 * - a workflow installed from the PWA (a directory; a pasted YAML with a
 *   syntax error shows its line and column, a good one installs);
 * - a run started from the PWA: its card moves across the step columns to
 *   Completed; its page shows the steps, the two stories and every attempt,
 *   and an attempt's link opens its chat;
 * - Stop (confirmed) aborts a live run's attempt: cancelled, then Resume
 *   carries it on to Completed;
 * - a run whose check fails twice is blocked: the card and the page say why,
 *   a refused Resume shows the server's 409 reason, Retry carries it on to a
 *   gate, and Approve on the page completes it;
 * - "Run in its own worktree" starts a run whose card and page show its
 *   branch; its page shows the branch's changes, and Merge lands them on
 *   main (the worktree removed, which the page then says).
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import type { InstanceJson } from "../../server/contract/instances.ts";
import { initGitRepo } from "../../server/runs/testing/event_log.ts";
import {
  ESCALATING_YAML,
  HELD_YAML,
  TWIN_YAML,
  writeFeatureWorkflow,
} from "../../server/runs/testing/flock_specs.ts";
import {
  ARTIFACTS,
  BrowserFlock,
  browserSkipReason,
  launchBrowser,
  waitFor,
} from "./browser_support.ts";
import { smallTargets } from "./page_audit.ts";

const skip = browserSkipReason();

/** Installs a workflow through the PWA's dialog; resolves once its tab shows. */
async function install(
  page: Page,
  source: { path: string } | { yaml: string },
): Promise<void> {
  await page.locator("[data-install-workflow]").click();
  const dialog = page.locator("install-workflow-dialog dialog");
  if ("path" in source) {
    await dialog.locator("[data-source=path]").click();
    await dialog.locator("input[name=path]").fill(source.path);
  } else {
    await dialog.locator("[data-source=yaml]").click();
    await dialog.locator("textarea[name=yaml]").fill(source.yaml);
  }
  await dialog.locator("[data-submit]").click();
}

/** Starts a run through the PWA's dialog (in its own worktree when asked). */
async function startRun(
  page: Page,
  workflow: string,
  task: string,
  worktree = false,
): Promise<void> {
  await page.locator("[data-start-run]").click();
  const dialog = page.locator("start-run-dialog dialog");
  await dialog.locator("select[name=workflow]").selectOption(workflow);
  await dialog.locator("textarea[name=task]").fill(task);
  if (worktree) await dialog.locator("input[name=worktree]").check();
  await dialog.locator("[data-submit]").click();
  await dialog.waitFor({ state: "hidden" });
}

Deno.test({
  name:
    "PWA: the workflow board follows runs live, and a run's page acts on them",
  ignore: skip !== undefined,
  // playwright keeps internal timers and pipes between steps
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using flock = await BrowserFlock.start();
  const repo = await flock.env.workspace("project");
  await initGitRepo(repo);
  const created = await fetch(`${flock.url}/api/instances`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ working_directory: repo }),
  });
  const instance = (await created.json()) as InstanceJson;
  await waitFor("the instance to run", async () => {
    const res = await fetch(`${flock.url}/api/instances/${instance.id}`);
    return ((await res.json()) as InstanceJson).status === "running";
  }, 60_000);
  await flock.warmUp(instance.id);
  const root = await Deno.makeTempDir({ prefix: "flock-board-wf-" });
  const workflowDir = await writeFeatureWorkflow(root);

  await using browser = await launchBrowser();
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(flock.url + "/");
  await page.locator("[data-workflows-link]").click();
  await page.locator("workflow-board").getByText("No workflow is installed")
    .waitFor();

  try {
    await t.step(
      "install: a YAML syntax error names its line and column; a directory installs",
      async () => {
        await install(page, { yaml: "id: broken\nsteps: [\n  - id: a\n" });
        const issue = page.locator("install-workflow-dialog [data-issue]")
          .first();
        await issue.waitFor();
        ok(
          /workflow\.yml:\d+:\d+:/.test(await issue.innerText()),
          await issue.innerText(),
        );
        await page.keyboard.press("Escape");
        await install(page, { path: workflowDir });
        await page.locator("[data-workflow-tab=flock-feature]").waitFor();
        strictEqual(new URL(page.url()).hash, "#/w/flock-feature");
        // Its columns are its steps, then Completed and Failed or cancelled.
        const columns = await page.locator("[data-column]").evaluateAll((els) =>
          els.map((el) => (el as HTMLElement).dataset.column)
        );
        deepStrictEqual(columns, [
          "plan",
          "setup",
          "implement",
          "verify",
          "test",
          "pr",
          "review",
          "@completed",
          "@stopped",
        ]);
      },
    );

    await t.step(
      "a run started from the PWA moves across the columns to Completed; its page links each attempt to its chat",
      async () => {
        // Record every column the card is seen in, from the page itself.
        await page.evaluate(() => {
          const seen: string[] = [];
          Reflect.set(globalThis, "__columns", seen);
          const note = () => {
            const card = document.querySelector<HTMLElement>("[data-run-id]");
            const column = card?.closest<HTMLElement>("[data-column]")?.dataset
              .column;
            if (column && seen.at(-1) !== column) seen.push(column);
          };
          new MutationObserver(note).observe(document.body, {
            childList: true,
            subtree: true,
            attributes: true,
          });
        });
        await startRun(page, "flock-feature", "Add a greeting command");
        const card = page.locator("[data-run-id]");
        await page.locator(
          "[data-column='@completed'] [data-run-status=completed]",
        )
          .waitFor({ timeout: 240_000 });
        const seen = await page.evaluate(() =>
          Reflect.get(globalThis, "__columns") as string[]
        );
        strictEqual(seen.at(-1), "@completed", seen.join(" → "));
        ok(seen.includes("implement"), seen.join(" → "));
        ok(new Set(seen).size >= 4, `moved across: ${seen.join(" → ")}`);
        // Story progress on the card: 2/2.
        await card.locator("[data-stories]").getByText("2/2").waitFor();

        await card.click();
        await page.locator("run-view [data-run-status=completed]").waitFor();
        const steps = await page.locator("run-view [data-step]").evaluateAll((
          els,
        ) => els.map((el) => (el as HTMLElement).dataset.stepStatus));
        deepStrictEqual(steps, Array(7).fill("done"));
        strictEqual(
          await page.locator("run-view [data-story][data-story-status=done]")
            .count(),
          2,
        );
        const links = page.locator("run-view [data-attempt-session]");
        strictEqual(await links.count(), 11);
        await page.screenshot({ path: `${ARTIFACTS}workflow-run-page.png` });
        // The first attempt (the planner's) is listed last: open its chat.
        const planner = page.locator("run-view [data-attempt]").last();
        const sessionId = await planner.locator("[data-attempt-session]")
          .getAttribute("data-attempt-session");
        await planner.locator("[data-attempt-session]").click();
        strictEqual(new URL(page.url()).hash, `#/s/${sessionId}`);
        await page.locator("session-view").getByText("STORIES_JSON").first()
          .waitFor();
        await page.goBack();
        await page.locator("run-view [data-run-status=completed]").waitFor();
      },
    );

    await t.step(
      "a blocked run says why; a refused Resume shows the 409 reason; Retry, then Approve at the gate, complete it",
      async () => {
        await page.locator("[data-back-to-board]").click();
        await install(page, { yaml: ESCALATING_YAML });
        await page.locator("[data-workflow-tab=escalating]").waitFor();
        flock.model.answerNext(
          /Check the build/,
          "STATUS: failed\nREASON: red build",
          2,
        );
        await startRun(page, "escalating", "release 1");
        const card = page.locator("[data-run-id][data-attention=escalated]");
        await card.waitFor({ timeout: 120_000 });
        await card.locator("[data-needs-you]").getByText(/failed 2 times/)
          .waitFor();
        await card.click();
        const view = page.locator("run-view");
        await view.locator("[data-blocked-reason]").getByText(/failed 2 times/)
          .waitFor();

        await view.locator("[data-run-action=resume]").click();
        const refusal = view.locator("[data-action-error]");
        await refusal.waitFor();
        const text = await refusal.innerText();
        ok(/approve, retry or skip it/.test(text), text);
        ok(/HTTP 409/.test(text), text);

        await view.locator("[data-step=check] [data-action=retry]").click();
        await refusal.waitFor({ state: "detached" });
        await view.locator("[data-blocked-reason]").getByText("Ship v1?")
          .waitFor({ timeout: 120_000 });
        await view.locator("[data-step=approval] [data-action=approve]")
          .click();
        await view.locator("[data-run-status=completed]").waitFor({
          timeout: 120_000,
        });
        await view.locator("[data-notice=completed]").waitFor();
        // Back on the board, its card sits in Completed with no marker.
        await view.locator("[data-back-to-board]").click();
        await page.locator(
          "[data-column='@completed'] [data-run-status=completed][data-attention='']",
        ).waitFor();
      },
    );

    await t.step(
      "Stop, confirmed, cancels a live run; Resume carries it on",
      async () => {
        // The last step ended on the board.

        await install(page, { yaml: HELD_YAML });
        await page.locator("[data-workflow-tab=held]").waitFor();
        const hold = flock.model.hold(/Hold this one/);
        try {
          await startRun(page, "held", "wait for me");
          await hold.reached;
          await page.locator("[data-run-id][data-run-status=running]").click();
          const view = page.locator("run-view");
          await view.locator("[data-attempt][data-outcome=live]").waitFor();
          await view.locator("[data-run-action=stop]").click();
          await view.locator("confirm-dialog [data-confirm]").click();
          await view.locator("[data-run-status=cancelled]").first().waitFor();
          await view.locator("[data-attempt][data-outcome=aborted]").waitFor();
        } finally {
          hold.release();
        }
        await page.locator("run-view").locator("[data-run-action=resume]")
          .click();
        await page.locator("run-view").locator("[data-run-status=completed]")
          .first().waitFor({
            timeout: 120_000,
          });
      },
    );

    await t.step(
      "a run started in its own worktree shows its branch on its card and its page",
      async () => {
        await page.locator("run-view [data-back-to-board]").click();
        // A workflow whose agent writes a file, so the run has changes.
        await install(page, { yaml: TWIN_YAML });
        await page.locator("[data-workflow-tab=twin]").waitFor();
        await startRun(page, "twin", "in a worktree", true);
        const card = page.locator("[data-run-id]", {
          has: page.locator("[data-run-branch]"),
        });
        const branch = await card.locator("[data-run-branch]").innerText();
        ok(/flock\/run-\d+-in-a-worktree$/.test(branch), branch);
        await card.click();
        const view = page.locator("run-view");
        await view.locator("[data-run-status=completed]").first().waitFor({
          timeout: 120_000,
        });
        const shown = await view.locator("[data-run-worktree]").innerText();
        ok(shown.includes(branch.replace(/^⎇ /, "")), shown);
        ok(/from main/.test(shown), shown);
      },
    );

    await t.step(
      "the run's page shows its branch's changes, and Merge lands them on main and removes its worktree",
      async () => {
        const view = page.locator("run-view");
        const changes = view.locator("run-changes");
        await changes.locator("[data-run-changes] summary").click();
        const file = changes.locator("[data-diff-file='shared.txt']");
        await file.waitFor();
        ok(
          /\+1/.test(await file.locator("summary").innerText()),
          await file.locator("summary").innerText(),
        );
        await file.locator(".d2h-code-line-ctn", { hasText: "in a worktree" })
          .waitFor();
        await changes.locator("[data-run-changes-totals]").getByText("1 file")
          .waitFor();
        // Its controls are tap targets (≥ 44 px both ways).
        deepStrictEqual(await smallTargets(page, 44, "run-changes"), []);
        await changes.locator("[data-run-merge]").click();
        const said = changes.locator("[data-run-changes-feedback]");
        await said.waitFor();
        const text = await said.innerText();
        ok(
          /^Merged flock\/run-\d+-in-a-worktree into main \(fast-forward, [0-9a-f]{8}\); its worktree and branch were removed\.$/
            .test(text),
          text,
        );
        // The run says so (run.updated), and the work is on main.
        await changes.locator("section[data-run-changes]").waitFor();
        const shared = await new Deno.Command("git", {
          args: ["-C", repo, "show", "main:shared.txt"],
          stdout: "piped",
        }).output();
        strictEqual(new TextDecoder().decode(shared.stdout), "in a worktree\n");
        // Read again, the page says what became of the worktree.
        await page.reload();
        const outcome = view.locator("[data-run-worktree-outcome]");
        await outcome.waitFor();
        const shown = await outcome.innerText();
        ok(
          /^Merged flock\/run-\d+-in-a-worktree into main \([0-9a-f]{8}\); its worktree and branch were removed\.$/
            .test(shown),
          shown,
        );
        const header = await view.locator("[data-run-worktree]").innerText();
        ok(/^Worked in its own worktree on branch/.test(header), header);
      },
    );
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }

  strictEqual(pageErrors.join("\n"), "");
});
