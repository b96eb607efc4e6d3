import { JsonStreamSplitter } from "../../../provider/ovsdb/framing";
import { OvsdbProtocolError } from "../../../provider/ovsdb/errors";

const messages = [
  { id: 1, method: "echo", params: [] },
  { id: 2, result: { a: "}{][", b: 'quote " and \\ backslash \\"' }, error: null },
  { method: "update2", params: ["m", { T: { u: { insert: { name: "żółw 🐢 ユニコード" } } } }], id: null },
  [1, [2, [3, {}]]],
  { id: 3, result: [], error: null },
];
const stream = Buffer.from(messages.map((m) => JSON.stringify(m)).join(" \n\t"), "utf8");

function feed(chunks: Buffer[]): unknown[] {
  const s = new JsonStreamSplitter();
  const out: unknown[] = [];
  for (const c of chunks) out.push(...s.push(c));
  expect(s.idle).toBe(true);
  return out;
}

describe("JsonStreamSplitter", () => {
  it("parses back-to-back values in one chunk", () => {
    expect(feed([stream])).toEqual(messages);
    const tight = Buffer.from(messages.map((m) => JSON.stringify(m)).join(""));
    expect(feed([tight])).toEqual(messages);
  });

  it("parses the same values when the stream is split at every byte offset", () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(feed([stream.subarray(0, i), stream.subarray(i)])).toEqual(messages);
    }
  });

  it("parses the stream fed one byte at a time (splits inside multi-byte UTF-8 characters)", () => {
    const chunks = [...stream].map((b) => Buffer.from([b]));
    expect(feed(chunks)).toEqual(messages);
  });

  it("parses a value split at three points", () => {
    for (let i = 1; i < stream.length; i += 7) {
      const j = Math.min(stream.length, i + 13);
      const k = Math.min(stream.length, j + 29);
      expect(
        feed([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j, k), stream.subarray(k)]),
      ).toEqual(messages);
    }
  });

  it("handles a large value arriving in many chunks and reports buffered bytes", () => {
    const rows: Record<string, unknown> = {};
    for (let i = 0; i < 20000; i++) rows[`uuid-${i}`] = { insert: { name: `port-${i}`, tag: i % 4096 } };
    const big = Buffer.from(JSON.stringify({ id: 9, result: rows, error: null }));
    const s = new JsonStreamSplitter();
    const out: unknown[] = [];
    const size = 65536;
    for (let off = 0; off < big.length; off += size) {
      out.push(...s.push(big.subarray(off, off + size)));
      if (out.length === 0) expect(s.bufferedBytes).toBe(Math.min(off + size, big.length));
    }
    expect(out).toHaveLength(1);
    expect(Object.keys((out[0] as { result: object }).result)).toHaveLength(20000);
  });

  it("rejects garbage between messages", () => {
    const s = new JsonStreamSplitter();
    expect(() => s.push(Buffer.from('{"a":1} x'))).toThrow(OvsdbProtocolError);
  });

  it("rejects invalid JSON inside a balanced value", () => {
    const s = new JsonStreamSplitter();
    expect(() => s.push(Buffer.from("{a:1}"))).toThrow(OvsdbProtocolError);
  });

  it("enforces the maximum value size", () => {
    const s = new JsonStreamSplitter({ maxValueBytes: 10 });
    expect(() => s.push(Buffer.from('{"aaaaaaaaaaaaaaa'))).toThrow(/exceeds 10 bytes/);
  });
});
