/**
 * The `@lit/context` keys through which `<flock-app>` shares its single
 * instances of the store, the event stream and the REST client.
 *
 * @module
 */
import { createContext } from "@lit/context";
import type { ApiClient } from "../api/api_client.ts";
import type { FlockStore } from "../lib/store/flock_store.ts";
import type { EventStreamController } from "./event_stream_controller.ts";

/** The page's {@linkcode FlockStore}. */
export const storeContext = createContext<FlockStore>(Symbol("flock-store"));

/** The page's one {@linkcode EventStreamController}. */
export const streamContext = createContext<EventStreamController>(
  Symbol("flock-event-stream"),
);

/** The page's {@linkcode ApiClient}. */
export const apiContext = createContext<ApiClient>(Symbol("flock-api"));
