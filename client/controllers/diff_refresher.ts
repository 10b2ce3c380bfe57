/**
 * Debounces the reads of a session's diff: many `session.changes` in a
 * burst (an agent writing file after file) make one read after the burst,
 * never two reads at once. The timer is passed in, so it is tested with a
 * fake clock. {@linkcode DiffRefreshController} ties one to an element's
 * connection (made when it connects, disposed when it disconnects).
 *
 * @module
 */
import type { ReactiveController, ReactiveControllerHost } from "lit";

/** Runs `run` after `ms`; returns what cancels it (the page's timers by default). */
export type SetTimer = (run: () => void, ms: number) => () => void;

const pageTimer: SetTimer = (run, ms) => {
  const id = setTimeout(run, ms);
  return () => clearTimeout(id);
};

/** Runs `read` at most once per quiet period, one at a time. */
export class DiffRefresher {
  readonly #read: () => Promise<void>;
  readonly #setTimer: SetTimer;
  #cancel: (() => void) | null = null;
  #reading = false;
  #again = false;
  #disposed = false;

  /**
   * @param read Reads the diff and stores it (its errors are its own).
   * @param setTimer The timer (a fake clock in tests).
   */
  constructor(read: () => Promise<void>, setTimer: SetTimer = pageTimer) {
    this.#read = read;
    this.#setTimer = setTimer;
  }

  /**
   * Asks for a read `delayMs` after the last request (a later request
   * within the delay postpones it); a request during a read makes one more
   * read after it.
   */
  request(delayMs: number): void {
    if (this.#disposed) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#cancel?.();
    this.#cancel = this.#setTimer(() => {
      this.#cancel = null;
      void this.#run();
    }, delayMs);
  }

  async #run(): Promise<void> {
    if (this.#disposed) return;
    this.#reading = true;
    try {
      await this.#read();
    } finally {
      this.#reading = false;
      if (this.#again && !this.#disposed) {
        this.#again = false;
        this.request(0);
      }
    }
  }

  /** Cancels a pending read; later requests are ignored. */
  dispose(): void {
    this.#disposed = true;
    this.#cancel?.();
    this.#cancel = null;
  }
}

/**
 * A {@linkcode DiffRefresher} owned by an element: a fresh one while the
 * element is connected, disposed (its pending read cancelled) when it
 * disconnects; requests while disconnected are ignored.
 */
export class DiffRefreshController implements ReactiveController {
  readonly #read: () => Promise<void>;
  readonly #setTimer: SetTimer;
  #refresher: DiffRefresher | null = null;

  /**
   * @param host The element that owns the reads.
   * @param read Reads the diff and stores it (its errors are its own).
   * @param setTimer The timer (a fake clock in tests).
   */
  constructor(
    host: ReactiveControllerHost,
    read: () => Promise<void>,
    setTimer: SetTimer = pageTimer,
  ) {
    this.#read = read;
    this.#setTimer = setTimer;
    host.addController(this);
  }

  hostConnected(): void {
    this.#refresher = new DiffRefresher(this.#read, this.#setTimer);
  }

  hostDisconnected(): void {
    this.#refresher?.dispose();
    this.#refresher = null;
  }

  /** See {@linkcode DiffRefresher.request}. */
  request(delayMs: number): void {
    this.#refresher?.request(delayMs);
  }
}
