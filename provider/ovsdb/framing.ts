/**
 * Framing of an OVSDB byte stream: a sequence of concatenated JSON values (RFC 7047 section 2,
 * JSON-RPC over a stream with no delimiters between messages).
 *
 * The splitter scans each byte exactly once, keeping its state (nesting depth, inside a string,
 * after a backslash) across chunks. Bytes of an unfinished value are kept as a list of slices and
 * joined once, when the value completes, so a 50 MB reply arriving in 64 KB chunks costs one pass
 * and one copy, not a rescan per chunk. It works on bytes, not on decoded text: every structural
 * character is ASCII and can never appear inside a multi-byte UTF-8 sequence, so a chunk boundary
 * that splits a character is harmless; the text is decoded only when the value is complete.
 */
import { OvsdbProtocolError } from "./errors";

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export interface JsonSplitterOptions {
  /** Largest accepted single value in bytes; a peer sending more is a protocol error. Default 1 GiB. */
  maxValueBytes?: number;
}

/**
 * Incremental splitter of concatenated JSON objects/arrays. Feed it chunks with `push`; it returns
 * the values completed by that chunk, already parsed.
 */
export class JsonStreamSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Slices of the value being accumulated (from its first byte up to the end of the last chunk). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly maxValueBytes: number;

  constructor(options: JsonSplitterOptions = {}) {
    this.maxValueBytes = options.maxValueBytes ?? 1024 * 1024 * 1024;
  }

  /** True when no partial value is buffered. */
  get idle(): boolean {
    return this.depth === 0 && this.pendingBytes === 0;
  }

  /** Bytes of the unfinished value currently buffered. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  push(chunk: Buffer): unknown[] {
    const values: unknown[] = [];
    let start = this.depth > 0 ? 0 : -1; // start of the current value inside this chunk
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i];
      if (this.depth === 0) {
        if (isWhitespace(b)) continue;
        if (b !== OPEN_BRACE && b !== OPEN_BRACKET) {
          throw new OvsdbProtocolError(
            `unexpected byte 0x${b.toString(16).padStart(2, "0")} between JSON-RPC messages (expected "{")`,
          );
        }
        this.depth = 1;
        start = i;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          values.push(this.complete(chunk.subarray(start, i + 1)));
          start = -1;
        }
      }
    }
    if (this.depth > 0 && start >= 0) {
      const rest = chunk.subarray(start);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxValueBytes) {
        throw new OvsdbProtocolError(`JSON value exceeds ${this.maxValueBytes} bytes`);
      }
    }
    return values;
  }

  /** Forget any partial value (after a reconnect). */
  reset(): void {
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private complete(tail: Buffer): unknown {
    let bytes: Buffer;
    if (this.pending.length === 0) bytes = tail;
    else {
      this.pending.push(tail);
      bytes = Buffer.concat(this.pending, this.pendingBytes + tail.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const text = bytes.toString("utf8");
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new OvsdbProtocolError(`invalid JSON from peer: ${(e as Error).message}`, { cause: e });
    }
  }
}
