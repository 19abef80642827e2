import { describe, it, expect } from "vitest";
import { asciiBytes } from "../../util/bytes.ts";
import { parseLongLong } from "./decimal.ts";

const parse = (text: string): number | null => parseLongLong(asciiBytes(text), 0, text.length);

describe("parseLongLong (string2ll)", () => {
  it("RESP-11: accepts canonical decimal integers in the signed 64-bit range", () => {
    expect(parse("0")).toBe(0);
    expect(parse("7")).toBe(7);
    expect(parse("-7")).toBe(-7);
    expect(parse("2147483647")).toBe(2147483647);
    expect(parse("9007199254740991")).toBe(Number.MAX_SAFE_INTEGER);
    expect(parse("9223372036854775807")).toBe(Number(9223372036854775807n)); // the nearest double, as a JS number holds it
    expect(parse("-9223372036854775808")).toBe(-9223372036854775808);
  });

  it("RESP-11: rejects what redis rejects", () => {
    for (const text of ["", "-", "+1", "01", "-0", "00", " 1", "1 ", "1x", "0x10", "1.5", "1e3"]) {
      expect(parse(text), JSON.stringify(text)).toBeNull();
    }
  });

  it("RESP-11: rejects values outside the signed 64-bit range and texts of 21 bytes or more", () => {
    expect(parse("9223372036854775808")).toBeNull();
    expect(parse("-9223372036854775809")).toBeNull();
    expect(parse("18446744073709551615")).toBeNull();
    expect(parse("99999999999999999999")).toBeNull();
    expect(parse("-99999999999999999999")).toBeNull();
  });

  it("reads a range of a larger buffer", () => {
    const bytes = asciiBytes("*123\r\n");
    expect(parseLongLong(bytes, 1, 4)).toBe(123);
    expect(parseLongLong(bytes, 1, 5)).toBeNull();
  });
});
