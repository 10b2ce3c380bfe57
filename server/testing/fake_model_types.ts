/**
 * The fake model's public shapes: what a test reads of each request, the
 * server's options, and the handle a test drives it with.
 *
 * @module
 */
import type { FakeAnswer } from "./fake_answers.ts";

/** One request the fake model received. */
export interface FakeModelRequest {
  path: string;
  stream: boolean;
  /** The text of the last message. */
  lastText: string;
  /** The role of the last message. */
  lastRole: string;
  /** The text of the last user message (the prompt being answered). */
  userText: string;
  /** The system messages' text. */
  system: string;
  /** The tool names offered. */
  tools: string[];
  answer: FakeAnswer;
}

/** Options for {@linkcode startFakeModel}. */
export interface FakeModelOptions {
  /** Delay between streamed tokens, in ms. Default 20. */
  tokenDelayMs?: number;
  /** Delay between tokens when the text says `slow`, in ms. Default 400. */
  slowDelayMs?: number;
}

/** Requests held by {@linkcode FakeModel.hold} until released. */
export interface FakeHold {
  /** Resolves with the first request held. */
  readonly reached: Promise<FakeModelRequest>;
  /** How many requests it has held so far. */
  readonly count: number;
  /** Lets every held request (and later ones) through. */
  release(): void;
}

/** A running fake model. */
export interface FakeModel extends AsyncDisposable {
  /** The origin, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The OpenAI base URL to configure: `<url>/v1`. */
  readonly baseURL: string;
  /** Every chat request so far, in order. */
  readonly requests: FakeModelRequest[];
  /**
   * Holds every agent request (tools offered) whose prompt matches, before
   * it answers, until `release()`: a test's way to keep a reply in flight.
   */
  hold(prompt: RegExp): FakeHold;
  /**
   * The next `times` agent requests whose prompt matches get `answer` (a
   * text, or any answer) instead of the usual one.
   */
  answerNext(prompt: RegExp, answer: string | FakeAnswer, times?: number): void;
  /** Ends open streams and stops the server. */
  close(): Promise<void>;
}
