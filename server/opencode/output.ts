/**
 * Pure helpers for a child's output: splitting it into lines and finding
 * OpenCode's listening line.
 *
 * @module
 */

const LISTENING = /^opencode server listening on (http:\/\/\S+)$/;

/**
 * The server URL from OpenCode's stdout line
 * `opencode server listening on http://127.0.0.1:4096`, or null.
 *
 * @example
 * ```ts
 * parseListeningLine("opencode server listening on http://127.0.0.1:4096");
 * // "http://127.0.0.1:4096"
 * ```
 */
export function parseListeningLine(line: string): string | null {
  const match = LISTENING.exec(line.trimEnd());
  if (!match?.[1]) return null;
  try {
    const url = new URL(match[1]);
    return url.port === "" ? null : url.origin;
  } catch {
    return null;
  }
}

/**
 * Splits text chunks into lines (without the `\n` or `\r\n`). A last line
 * without a newline is emitted when the stream ends. Lines longer than
 * `maxLineLength` are cut into pieces so memory stays bounded.
 */
export class LineSplitStream extends TransformStream<string, string> {
  constructor(maxLineLength = 16_384) {
    let buffer = "";
    super({
      transform(chunk, controller) {
        buffer += chunk;
        while (true) {
          const index = buffer.indexOf("\n");
          if (index >= 0 && index <= maxLineLength) {
            const line = buffer.slice(0, index);
            buffer = buffer.slice(index + 1);
            controller.enqueue(line.endsWith("\r") ? line.slice(0, -1) : line);
          } else if (buffer.length > maxLineLength) {
            controller.enqueue(buffer.slice(0, maxLineLength));
            buffer = buffer.slice(maxLineLength);
          } else {
            break;
          }
        }
      },
      flush(controller) {
        if (buffer !== "") controller.enqueue(buffer);
      },
    });
  }
}

/** Decodes a byte stream as UTF-8 text. */
export function decodeText(
  stream: ReadableStream<Uint8Array>,
): ReadableStream<string> {
  // The DOM lib types TextDecoderStream's writable side as BufferSource.
  return (stream as ReadableStream<BufferSource>).pipeThrough(
    new TextDecoderStream(),
  );
}
