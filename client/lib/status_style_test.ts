import { strictEqual } from "node:assert/strict";
import { INSTANCE_STATUSES } from "../../server/contract/instances.ts";
import {
  instanceDotClass,
  instanceStatusLabel,
  isSessionWorking,
  sessionStatusLabel,
} from "./status_style.ts";

Deno.test("instance dots follow the colour scheme", () => {
  strictEqual(instanceDotClass("running"), "bg-emerald-400");
  strictEqual(instanceDotClass("starting").startsWith("bg-yellow-400"), true);
  strictEqual(instanceDotClass("error"), "bg-red-500");
  strictEqual(instanceDotClass("stopped"), "bg-gray-500");
  strictEqual(instanceDotClass("stopping").includes("animate-pulse"), true);
  for (const status of INSTANCE_STATUSES) {
    strictEqual(instanceStatusLabel(status).length > 0, true);
  }
});

Deno.test("session labels show retry details", () => {
  const clock = (ms: number) => `t${ms}`;
  strictEqual(sessionStatusLabel("busy", undefined, clock), "Working…");
  strictEqual(sessionStatusLabel("idle", undefined, clock), "Idle");
  strictEqual(
    sessionStatusLabel("retry", {
      type: "retry",
      attempt: 2,
      message: "down",
      next: 5,
    }, clock),
    "Retrying (attempt 2) at t5",
  );
  strictEqual(sessionStatusLabel("retry", undefined, clock), "Retrying");
  strictEqual(isSessionWorking("retry"), true);
  strictEqual(isSessionWorking("idle"), false);
});
