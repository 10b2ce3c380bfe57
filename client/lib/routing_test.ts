import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { formatRoute, HOME_ROUTE, parseRoute, sameRoute } from "./routing.ts";

Deno.test("session routes round-trip", () => {
  for (const id of ["ses_abc", "ses with space", "a/b"]) {
    const route = { kind: "session", sessionId: id } as const;
    deepStrictEqual(parseRoute(formatRoute(route)), route);
  }
  strictEqual(formatRoute({ kind: "session", sessionId: "a/b" }), "#/s/a%2Fb");
});

Deno.test("unknown or empty hashes are home", () => {
  for (const hash of ["", "#", "#/", "#/x", "#/s/", "#/s/%E0%A4%A", "/s/a/b"]) {
    deepStrictEqual(parseRoute(hash), HOME_ROUTE, hash);
  }
  strictEqual(formatRoute(HOME_ROUTE), "#/");
});

Deno.test("a trailing slash and a missing # are accepted", () => {
  deepStrictEqual(parseRoute("/s/ses_1/"), {
    kind: "session",
    sessionId: "ses_1",
  });
  strictEqual(
    sameRoute(parseRoute("#/s/x"), { kind: "session", sessionId: "x" }),
    true,
  );
  strictEqual(sameRoute(parseRoute("#/s/x"), HOME_ROUTE), false);
});

Deno.test("log routes round-trip", () => {
  const route = { kind: "logs", instanceId: "inst_1" } as const;
  strictEqual(formatRoute(route), "#/i/inst_1/logs");
  deepStrictEqual(parseRoute("#/i/inst_1/logs"), route);
  deepStrictEqual(parseRoute("#/i/inst_1/logs/"), route);
  deepStrictEqual(parseRoute("#/i/inst_1"), HOME_ROUTE);
  deepStrictEqual(parseRoute("#/i//logs"), HOME_ROUTE);
});

Deno.test("board and run routes round-trip; malformed ones are home", () => {
  for (
    const route of [
      { kind: "board", workflowId: null },
      { kind: "board", workflowId: "feature dev" },
      { kind: "run", runId: "run_1" },
    ] as const
  ) {
    deepStrictEqual(parseRoute(formatRoute(route)), route);
  }
  strictEqual(formatRoute({ kind: "board", workflowId: null }), "#/w");
  deepStrictEqual(parseRoute("#/w/"), { kind: "board", workflowId: null });
  for (const hash of ["#/r/", "#/w/%E0%A4%A", "#/r/a/b", "#/w/a/b"]) {
    deepStrictEqual(parseRoute(hash), HOME_ROUTE, hash);
  }
});

Deno.test("the search route keeps its query", () => {
  deepStrictEqual(parseRoute("#/search"), { kind: "search", query: "" });
  deepStrictEqual(parseRoute("#/search?q=red%20button"), {
    kind: "search",
    query: "red button",
  });
  deepStrictEqual(parseRoute("#/search?q=a+b"), {
    kind: "search",
    query: "a b",
  });
  deepStrictEqual(parseRoute("#/search?q=%E0%A4%A"), {
    kind: "search",
    query: "",
  });
  strictEqual(
    formatRoute({ kind: "search", query: "red button" }),
    "#/search?q=red%20button",
  );
  strictEqual(formatRoute({ kind: "search", query: "" }), "#/search");
});
