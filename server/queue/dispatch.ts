/**
 * How one message (a prompt or a `/` command) is handed to OpenCode, with
 * the model, variant and agent it names, else the session's own (what it
 * used last, as OpenCode records it) while the instance still offers them.
 *
 * @module
 */
import type { QueuedMessageJson } from "../contract/queue.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { log } from "../log.ts";
import { type Catalog, checkChoice, type Choice } from "../opencode/catalog.ts";
import type { OpenCodeClient } from "../opencode/opencode_client.ts";
import { InvalidChoiceError } from "./queue_errors.ts";

/** How long a `/` command may run before Flock stops waiting for its answer. */
const COMMAND_TIMEOUT_MS = 6 * 60 * 60 * 1000;

/** `"provider/model"` → OpenCode's `{ providerID, modelID }`. */
function modelParts(ref: string): { providerID: string; modelID: string } {
  const slash = ref.indexOf("/");
  return { providerID: ref.slice(0, slash), modelID: ref.slice(slash + 1) };
}

/**
 * The choice a message is sent with: what it names, else what the session
 * used last (each remembered field only while the instance still offers
 * it; a remembered variant only with its own model; OpenCode's `default`
 * variant is no variant).
 */
export function effectiveChoice(
  catalog: Catalog,
  named: Choice,
  session: Pick<SessionJson, "model" | "variant" | "agent">,
): Choice {
  const choice: Choice = {};
  const keep = (candidate: Choice): boolean =>
    checkChoice(catalog, candidate) === null;
  const agent = named.agent ?? session.agent;
  if (agent !== undefined && (named.agent !== undefined || keep({ agent }))) {
    choice.agent = agent;
  }
  const model = named.model ?? session.model;
  if (model !== undefined && (named.model !== undefined || keep({ model }))) {
    choice.model = model;
  }
  let variant = named.variant;
  // A remembered variant goes with its own model only (kept, or named again).
  if (variant === undefined && choice.model === session.model) {
    variant = session.variant;
  }
  if (variant === "default") variant = undefined;
  if (
    variant !== undefined &&
    (named.variant !== undefined || keep({ model: choice.model, variant }))
  ) {
    choice.variant = variant;
  }
  return choice;
}

/** What {@linkcode dispatchMessage} needs besides the message. */
export interface DispatchContext {
  /** The session's remembered choice. */
  session: Pick<SessionJson, "model" | "variant" | "agent">;
  /** Resolves at the session's next busy (or retry) status. */
  whenBusy: () => { promise: Promise<void>; cancel: () => void };
}

/**
 * Hands one message to OpenCode; resolves once OpenCode has it: the 204 of
 * `prompt_async`, or, for a command (whose call OpenCode answers only when
 * its reply is done), the session starting on it or the call's answer,
 * whichever comes first.
 *
 * @throws {InvalidChoiceError} when a named choice is no longer offered.
 */
export async function dispatchMessage(
  client: OpenCodeClient,
  catalog: Catalog,
  item: QueuedMessageJson,
  context: DispatchContext,
): Promise<void> {
  const named: Choice = {
    model: item.model ?? undefined,
    variant: item.variant ?? undefined,
    agent: item.agent ?? undefined,
  };
  const problem = checkChoice(catalog, named);
  if (problem) throw new InvalidChoiceError(problem.field, problem.message);
  const choice = effectiveChoice(catalog, named, context.session);
  if (item.kind === "message") {
    await client.promptAsync(item.session_id, {
      text: item.text,
      ...(choice.model ? { model: modelParts(choice.model) } : {}),
      ...(choice.agent ? { agent: choice.agent } : {}),
      ...(choice.variant ? { variant: choice.variant } : {}),
    });
    return;
  }
  const started = context.whenBusy();
  const call = client.sendCommand(item.session_id, {
    command: item.command ?? "",
    arguments: item.text,
    ...(choice.model ? { model: choice.model } : {}),
    ...(choice.agent ? { agent: choice.agent } : {}),
    ...(choice.variant ? { variant: choice.variant } : {}),
  }, { timeoutMs: COMMAND_TIMEOUT_MS });
  const outcome = await Promise.race([
    call.then(() => "done" as const),
    started.promise.then(() => "started" as const),
  ]).finally(started.cancel);
  if (outcome === "started") {
    call.catch((error) =>
      log.warn(`Command /${item.command} of ${item.session_id}:`, error)
    );
  }
}
