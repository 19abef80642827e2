import { describe, it, expect } from "vitest";
import { binaryToBytes, bytesToBinary } from "../../util/bytes.ts";
import { readInlineArgs, splitInlineArgs } from "./inline-args.ts";

/** Splits a byte string and returns the arguments as byte strings (null for an unbalanced line). */
function split(line: string): string[] | null {
  const args = readInlineArgs(binaryToBytes(line));
  return args === null ? null : args.map((arg) => bytesToBinary(arg));
}

// Cases follow sdssplitargs in redis 7.0.15 src/sds.c; the ones marked (observed) were also sent as
// inline requests to a real redis-server 7.0.15 (see request-parser.fixtures.ts).
describe("readInlineArgs (sdssplitargs)", () => {
  it("RESP-6: splits on blanks, collapsing runs of them", () => {
    expect(split("SET key value")).toEqual(["SET", "key", "value"]);
    expect(split("  SET \t key\t\tvalue  ")).toEqual(["SET", "key", "value"]);
    expect(split("")).toEqual([]);
    expect(split(" \t ")).toEqual([]);
  });

  it("RESP-6: leading blanks are any isspace byte, but only space, tab, CR and LF end an argument (observed)", () => {
    expect(split("\v\fPING")).toEqual(["PING"]);
    expect(split("a\vb c\fd")).toEqual(["a\vb", "c\fd"]);
    expect(split("a\rb\nc")).toEqual(["a", "b", "c"]);
  });

  it("RESP-6: double quotes understand C escapes and \\xHH (observed)", () => {
    expect(split('"\\x41\\x4a\\x4A" "\\n\\r\\t\\b\\a" "\\q\\"\\\\"')).toEqual(["AJJ", "\n\r\t\b\x07", 'q"\\']);
    expect(split('"\\xff\\x00end"')).toEqual(["\xff\x00end"]);
    // Not a complete hex escape: the backslash escapes the x alone.
    expect(split('"\\x4" "\\xg1" "\\X41"')).toEqual(["x4", "xg1", "X41"]);
    expect(split('"a b" ""')).toEqual(["a b", ""]);
  });

  it("RESP-6: single quotes only understand \\' (observed)", () => {
    expect(split("'it\\'s' '\\n\\x41' ''")).toEqual(["it's", "\\n\\x41", ""]);
  });

  it("RESP-6: a quote may open in the middle of an argument (observed)", () => {
    expect(split('a"b c"')).toEqual(["ab c"]);
    expect(split("x'y z'")).toEqual(["xy z"]);
  });

  it("RESP-6: a closing quote must be followed by a blank or the end (observed)", () => {
    expect(split('"a"b')).toBeNull();
    expect(split("'a'b")).toBeNull();
    expect(split('"a"\vb')).toEqual(["a", "b"]);
    expect(split('"a"')).toEqual(["a"]);
  });

  it("RESP-9: unbalanced quotes give null (observed)", () => {
    expect(split('"abc')).toBeNull();
    expect(split("'abc")).toBeNull();
    expect(split('"abc\\')).toBeNull();
    expect(split('"abc\\"')).toBeNull();
    expect(split("ok \"")).toBeNull();
  });

  it("RESP-10: the line is a C string: a NUL byte ends it", () => {
    expect(split("PING\0ECHO x")).toEqual(["PING"]);
    expect(split('"ab\0cd"')).toBeNull();
  });

  it("keeps high bytes as they are", () => {
    expect(split("\xe9t\xe9 \xff")).toEqual(["\xe9t\xe9", "\xff"]);
  });

  it("splitInlineArgs reads a range without a view", () => {
    const bytes = binaryToBytes("xxECHO hixx");
    expect(splitInlineArgs(bytes, 2, 9)?.map((a) => bytesToBinary(a))).toEqual(["ECHO", "hi"]);
  });
});
