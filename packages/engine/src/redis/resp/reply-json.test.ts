import { describe, it, expect } from "vitest";
import { asciiBytes, binaryToBytes, bytesToBinary, utf8 } from "../../util/bytes.ts";
import { replyToJson } from "./reply-json.ts";

describe("replyToJson", () => {
  it("RESP-29: scalars keep their type and value", () => {
    expect(replyToJson({ kind: "simple", value: "OK" })).toEqual({ type: "simple", value: "OK" });
    expect(replyToJson({ kind: "error", message: "ERR x" })).toEqual({ type: "error", value: "ERR x" });
    expect(replyToJson({ kind: "integer", value: -3 })).toEqual({ type: "integer", value: -3 });
    expect(replyToJson({ kind: "bulk", value: null })).toEqual({ type: "bulk", value: null });
    expect(replyToJson({ kind: "array", items: null })).toEqual({ type: "array", value: null });
  });

  it("RESP-29: bulk strings are text when valid UTF-8 and base64 otherwise", () => {
    expect(replyToJson({ kind: "bulk", value: utf8("héllo ✓") })).toEqual({ type: "bulk", value: "héllo ✓", encoding: "utf8" });
    expect(replyToJson({ kind: "bulk", value: new Uint8Array() })).toEqual({ type: "bulk", value: "", encoding: "utf8" });
    const binary = binaryToBytes("\xff\x00\xfe");
    expect(replyToJson({ kind: "bulk", value: binary })).toEqual({ type: "bulk", value: "/wD+", encoding: "base64" });
    // Lone surrogates encoded CESU-style are not UTF-8.
    expect(replyToJson({ kind: "bulk", value: binaryToBytes("\xed\xa0\x80") })).toMatchObject({ encoding: "base64" });
  });

  it("RESP-29: utf8 text encodes back to exactly the original bytes, a leading BOM included", () => {
    const bytes = utf8("\ufeffbom first");
    const json = replyToJson({ kind: "bulk", value: bytes });
    expect(json).toMatchObject({ encoding: "utf8" });
    expect(bytesToBinary(utf8((json as { value: string }).value))).toBe(bytesToBinary(bytes));
  });

  it("RESP-29: simple strings and errors are status text, decoded as UTF-8 from their bytes", () => {
    expect(replyToJson({ kind: "simple", value: "\xc3\xa9t\xc3\xa9" })).toEqual({ type: "simple", value: "été" });
  });

  it("RESP-29: arrays nest and survive a JSON round trip", () => {
    const json = replyToJson({
      kind: "array",
      items: [{ kind: "bulk", value: asciiBytes("a") }, { kind: "array", items: [] }, { kind: "integer", value: 1 }],
    });
    expect(json).toEqual({
      type: "array",
      value: [{ type: "bulk", value: "a", encoding: "utf8" }, { type: "array", value: [] }, { type: "integer", value: 1 }],
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
