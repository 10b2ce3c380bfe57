import { strictEqual } from "node:assert/strict";
import {
  contextShare,
  formatCost,
  formatDuration,
  formatTokens,
  totalTokens,
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
