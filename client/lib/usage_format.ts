/**
 * How tokens, cost, context use and durations read on the page. Pure.
 *
 * @module
 */
import type { UsageJson } from "../../server/contract/catalog.ts";
import type { TokensJson } from "../../server/contract/sessions.ts";

/**
 * A token count, compact: `950`, `12.3k`, `1.2M`.
 *
 * @example
 * ```ts
 * formatTokens(12_345); // "12.3k"
 * ```
 */
export function formatTokens(count: number): string {
  if (count < 1000) return String(Math.round(count));
  if (count < 1_000_000) return `${trim(count / 1000)}k`;
  return `${trim(count / 1_000_000)}M`;
}

function trim(value: number): string {
  return (value >= 100 ? value.toFixed(0) : value.toFixed(1)).replace(
    /\.0$/,
    "",
  );
}

/**
 * A cost in dollars: four decimals below a cent, two above.
 *
 * @example
 * ```ts
 * formatCost(0.00042); // "$0.0004"
 * formatCost(1.5); // "$1.50"
 * ```
 */
export function formatCost(cost: number): string {
  if (cost === 0) return "$0.00";
  return cost < 0.01 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`;
}

/** Every token a reply used: input, output, reasoning and cache. */
export function totalTokens(tokens: TokensJson): number {
  return tokens.input + tokens.output + tokens.reasoning + tokens.cache.read +
    tokens.cache.write;
}

/**
 * The share of a context window a reply used, as a whole percentage, or
 * undefined without a known limit.
 *
 * @example
 * ```ts
 * contextShare(32_000, 128_000); // 25
 * ```
 */
export function contextShare(
  used: number,
  limit: number | undefined,
): number | undefined {
  if (!limit || limit <= 0) return undefined;
  return Math.min(100, Math.round((used / limit) * 100));
}

/**
 * A duration: `850 ms`, `4.2 s`, `3 min 5 s`.
 *
 * @example
 * ```ts
 * formatDuration(4_200); // "4.2 s"
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, "")} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}

/**
 * An instance's roll-up in a line: every token and the cost of all its
 * sessions (subagents' included), or undefined while none used any.
 *
 * @example
 * ```ts
 * usageSummary(usage); // "12.3k tokens · $0.04"
 * ```
 */
export function usageSummary(usage: UsageJson): string | undefined {
  const tokens = totalTokens(usage.tokens);
  if (tokens === 0 && usage.cost === 0) return undefined;
  return `${formatTokens(tokens)} tokens · ${formatCost(usage.cost)}`;
}

/**
 * The roll-up in full (for a tooltip): the token kinds, the cost and how
 * many sessions it sums up.
 *
 * @example
 * ```ts
 * usageDetail(usage);
 * // "3 sessions: input 1200, output 300, reasoning 0, cache 0/0; $0.0081"
 * ```
 */
export function usageDetail(usage: UsageJson): string {
  const t = usage.tokens;
  const sessions = usage.sessions === 1
    ? "1 session"
    : `${usage.sessions} sessions`;
  return `${sessions}: input ${t.input}, output ${t.output}, reasoning ${t.reasoning}, cache ${t.cache.read}/${t.cache.write}; ${
    formatCost(usage.cost)
  }`;
}
