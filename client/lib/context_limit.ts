/**
 * The context window of a model, looked up in an instance's catalog. Pure.
 *
 * @module
 */
import type { ModelsJson } from "../../server/contract/catalog.ts";

/**
 * The context limit (tokens) of `provider/model`, or undefined when the
 * catalog does not list it.
 *
 * @example
 * ```ts
 * contextLimitOf(models, "fake", "fake-model"); // 128000
 * ```
 */
export function contextLimitOf(
  models: ModelsJson | undefined,
  providerId: string,
  modelId: string,
): number | undefined {
  const provider = models?.providers.find((p) => p.id === providerId);
  return provider?.models.find((m) => m.id === modelId)?.context_limit;
}

/**
 * Splits a `"provider/model"` reference at its first slash.
 *
 * @returns `[provider, model]`, or undefined without a slash.
 */
export function splitModelRef(
  ref: string,
): [provider: string, model: string] | undefined {
  const slash = ref.indexOf("/");
  return slash > 0 ? [ref.slice(0, slash), ref.slice(slash + 1)] : undefined;
}
