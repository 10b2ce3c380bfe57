import { assertEquals } from "../testing/assert.ts";
import { agentTimeoutMs, rolePermissions, roleTimeoutMs } from "./roles.ts";
import { AGENT_ROLES, type AgentSpec } from "./spec_types.ts";

Deno.test("only coding may write: every other role denies edit, write and patch", () => {
  for (const role of AGENT_ROLES) {
    const rules = rolePermissions(role);
    if (role === "coding") assertEquals(rules, []);
    else {
      assertEquals(rules, [
        { permission: "edit", pattern: "*", action: "deny" },
        { permission: "write", pattern: "*", action: "deny" },
        { permission: "patch", pattern: "*", action: "deny" },
      ]);
    }
  }
});

Deno.test("timeouts: coding and testing 30 minutes, the rest 20, unless the agent says", () => {
  assertEquals(
    AGENT_ROLES.map((role) => [role, roleTimeoutMs(role) / 60_000]),
    [["coding", 30], ["analysis", 20], ["verification", 20], ["testing", 30], [
      "pr",
      20,
    ], ["scanning", 20]],
  );
  const agent: AgentSpec = {
    id: "a",
    name: "a",
    role: "analysis",
    description: null,
    model: null,
    timeoutSeconds: null,
    files: [],
  };
  assertEquals(agentTimeoutMs(agent), 20 * 60_000);
  assertEquals(agentTimeoutMs({ ...agent, timeoutSeconds: 90 }), 90_000);
});
