import { strictEqual } from "node:assert/strict";
import type { UsageJson } from "../../server/contract/catalog.ts";
import {
  contextShare,
  formatCost,
  formatDuration,
  formatTokens,
  totalTokens,
  usageDetail,
  usageSummary,
} from "./usage_format.ts";

Deno.test("formatTokens is compact", () => {
  strictEqual(formatTokens(0), "0");
  strictEqual(formatTokens(950), "950");
  strictEqual(formatTokens(1000), "1k");
  strictEqual(formatTokens(12_345), "12.3k");
  strictEqual(formatTokens(250_000), "250k");
  strictEqual(formatTokens(1_200_000), "1.2M");
});

Deno.test("formatCost: cents, and four decimals below a cent", () => {
  strictEqual(formatCost(0), "$0.00");
  strictEqual(formatCost(0.00042), "$0.0004");
  strictEqual(formatCost(1.5), "$1.50");
});

Deno.test("totalTokens and contextShare", () => {
  const tokens = {
    input: 100,
    output: 50,
    reasoning: 10,
    cache: { read: 30, write: 10 },
  };
  strictEqual(totalTokens(tokens), 200);
  strictEqual(contextShare(32_000, 128_000), 25);
  strictEqual(contextShare(500_000, 128_000), 100);
  strictEqual(contextShare(10, undefined), undefined);
  strictEqual(contextShare(10, 0), undefined);
});

Deno.test("formatDuration", () => {
  strictEqual(formatDuration(850), "850 ms");
  strictEqual(formatDuration(4_200), "4.2 s");
  strictEqual(formatDuration(4_000), "4 s");
  strictEqual(formatDuration(185_000), "3 min 5 s");
  strictEqual(formatDuration(120_000), "2 min");
});

function usage(
  input: number,
  output: number,
  cost: number,
  sessions = 2,
): UsageJson {
  return {
    instance_id: "inst_1",
    sessions,
    busy: 0,
    cost,
    tokens: { input, output, reasoning: 5, cache: { read: 20, write: 0 } },
  };
}

Deno.test("usageSummary: every token and the cost, nothing before any use", () => {
  strictEqual(usageSummary(usage(12_000, 275, 0.0421)), "12.3k tokens · $0.04");
  strictEqual(usageSummary(usage(900, 70, 0)), "995 tokens · $0.00");
  strictEqual(usageSummary(usage(1000, 0, 0.00042)), "1k tokens · $0.0004");
  const unused = usage(0, 0, 0, 0);
  strictEqual(
    usageSummary({
      ...unused,
      tokens: {
        input: 0,
        output: 0,
        reasoning: 0,
        cache: { read: 0, write: 0 },
      },
    }),
    undefined,
  );
});

Deno.test("usageDetail names the token kinds and counts the sessions", () => {
  strictEqual(
    usageDetail(usage(1200, 300, 0.0081, 3)),
    "3 sessions: input 1200, output 300, reasoning 5, cache 20/0; $0.0081",
  );
  strictEqual(
    usageDetail(usage(10, 1, 0, 1)),
    "1 session: input 10, output 1, reasoning 5, cache 20/0; $0.00",
  );
});
