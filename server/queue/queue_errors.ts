/**
 * The typed errors of sending and queueing messages (mapped to HTTP in
 * `http/errors.ts`).
 *
 * @module
 */

/** A message's `model`, `variant` or `agent` is not one the instance offers (400). */
export class InvalidChoiceError extends Error {
  /** The offending field. */
  readonly field: "model" | "variant" | "agent" | "command";
  constructor(
    field: "model" | "variant" | "agent" | "command",
    detail: string,
  ) {
    super(`Cannot use field "${field}": ${detail}`);
    this.name = "InvalidChoiceError";
    this.field = field;
  }
}

/** No queued message has this id in this session (404). */
export class QueuedMessageNotFoundError extends Error {
  constructor(sessionId: string, id: string) {
    super(`Cannot find queued message ${id} in session ${sessionId}`);
    this.name = "QueuedMessageNotFoundError";
  }
}

/** The queued message cannot change now (409): it is being sent, or is not failed. */
export class QueuedMessageStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QueuedMessageStateError";
  }
}
