import { assertEquals, assertThrows } from "../testing/assert.ts";
import { BadRequestError } from "../http/errors.ts";
import { defaultBranchName, parseWorktreeRequest } from "./worktree_request.ts";

Deno.test("parseWorktreeRequest: true, the object form, and no worktree", () => {
  assertEquals(parseWorktreeRequest(true), {});
  assertEquals(parseWorktreeRequest(undefined), null);
  assertEquals(parseWorktreeRequest(false), null);
  assertEquals(parseWorktreeRequest(null), null);
  assertEquals(parseWorktreeRequest({ branch: "fix-1" }), { branch: "fix-1" });
  assertEquals(parseWorktreeRequest({ branch: "fix-1", base: "main" }), {
    branch: "fix-1",
    base: "main",
  });
});

Deno.test("parseWorktreeRequest: a wrong shape is a 400 naming the field", () => {
  for (
    const bad of [
      "yes",
      1,
      [],
      {},
      { base: "main" },
      { branch: "" },
      { branch: "  " },
      { branch: 3 },
      { branch: "a", base: "" },
      { branch: "a", other: 1 },
      { branch: "x".repeat(251) },
    ]
  ) {
    const error = assertThrows(
      () => parseWorktreeRequest(bad),
      BadRequestError,
    );
    assertEquals(error.message.includes('"worktree'), true, error.message);
    assertEquals(error.status, 400);
  }
});

Deno.test("defaultBranchName: words of the title, or session", () => {
  assertEquals(
    defaultBranchName("Fix the login bug!", "a1b2c3"),
    "flock/fix-the-login-bug-a1b2c3",
  );
  assertEquals(defaultBranchName(undefined, "abc123"), "flock/session-abc123");
  assertEquals(defaultBranchName("¡¿?!", "abc123"), "flock/session-abc123");
  assertEquals(
    defaultBranchName("Ça va très bien, merci", "000000"),
    "flock/ca-va-tres-bien-merci-000000",
  );
});
