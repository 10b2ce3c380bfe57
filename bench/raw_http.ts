/**
 * Just enough HTTP/1.1 over a raw TCP socket for the bench clients: writing
 * a request fully, finding the end of a response head, and decoding a
 * chunked body without copying. Deno's `fetch` costs several times the CPU
 * of a plain socket read per chunk, and the clients must stay cheaper than
 * the servers they measure.
 *
 * @module
 */

/** UTF-8 encoder shared by the request writers. */
export const encoder = new TextEncoder();

/** The blank line (`\r\n\r\n`) that ends a response head. */
export const HEAD_END = new Uint8Array([13, 10, 13, 10]);

/** Where `needle` first occurs in `haystack`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** Writes all of `bytes` to `socket` (a write may take only part). */
export async function writeAll(
  socket: Deno.TcpConn,
  bytes: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    offset += await socket.write(bytes.subarray(offset));
  }
}

/** Decodes HTTP/1.1 chunked transfer coding, byte by byte state. */
export class ChunkedDecoder {
  #state: "size" | "ext" | "sizeLf" | "data" | "cr" | "lf" | "end" = "size";
  #size = 0;
  #left = 0;

  /** Whether the last (zero-size) chunk has been read. */
  get ended(): boolean {
    return this.#state === "end";
  }

  /** Calls `out` with each payload slice of `bytes` (views, no copies). */
  feed(bytes: Uint8Array, out: (payload: Uint8Array) => void): void {
    let i = 0;
    while (i < bytes.length && this.#state !== "end") {
      if (this.#state === "data") {
        const n = Math.min(this.#left, bytes.length - i);
        out(bytes.subarray(i, i + n));
        i += n;
        this.#left -= n;
        if (this.#left === 0) this.#state = "cr";
        continue;
      }
      const c = bytes[i++]!;
      switch (this.#state) {
        case "size":
          if (c === 13) this.#state = "sizeLf";
          else if (c === 59) this.#state = "ext";
          else this.#size = this.#size * 16 + hexValue(c);
          break;
        case "ext":
          if (c === 13) this.#state = "sizeLf";
          break;
        case "sizeLf":
          if (this.#size === 0) {
            this.#state = "end";
          } else {
            this.#left = this.#size;
            this.#size = 0;
            this.#state = "data";
          }
          break;
        case "cr":
          this.#state = "lf";
          break;
        case "lf":
          this.#state = "size";
          break;
      }
    }
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return 0;
}
