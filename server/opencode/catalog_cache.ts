/**
 * What each running instance offers (agents, models, commands), fetched once and
 * kept for a short while, so checking every message's model, variant and
 * agent costs no extra round trip. Keyed by the instance's REST client, so
 * a new run of the instance (a restart) asks again.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { Catalog } from "./catalog.ts";
import type { OpenCodeClient } from "./opencode_client.ts";

/** How long a catalog is reused, in ms. */
export const CATALOG_TTL_MS = 30_000;

/** See the module documentation. */
export class CatalogCache {
  #clock: Pick<Clock, "now">;
  #entries = new WeakMap<
    OpenCodeClient,
    { at: number; catalog: Promise<Catalog> }
  >();

  constructor(clock: Pick<Clock, "now">) {
    this.#clock = clock;
  }

  /** The instance's catalog (fetched when missing or older than the TTL). */
  get(client: OpenCodeClient): Promise<Catalog> {
    const now = this.#clock.now();
    const entry = this.#entries.get(client);
    if (entry && now - entry.at < CATALOG_TTL_MS) return entry.catalog;
    const catalog = (async () => {
      const options = { timeoutMs: 30_000 };
      const [agents, models, commands] = await Promise.all([
        client.agents(options),
        client.models(options),
        client.commands(options),
      ]);
      return { agents, models, commands };
    })();
    this.#entries.set(client, { at: now, catalog });
    // A failed fetch is not kept.
    catalog.catch(() => {
      if (this.#entries.get(client)?.catalog === catalog) {
        this.#entries.delete(client);
      }
    });
    return catalog;
  }
}
