import { describe, it, expect } from "vitest";
import { binaryToBytes } from "../../util/bytes.ts";
import { reprByte, reprBytes } from "./repr.ts";

describe("repr (sdscatrepr)", () => {
  it("RESP-27: escapes like sdscatrepr, as redis-cli 7.0 printed it for these bytes", () => {
    // Recorded: redis-cli GET of a value holding these bytes printed "a\x01\x7f\xe9\"\\\n\r\t\a\b z".
    expect(reprBytes(binaryToBytes('a\x01\x7f\xe9"\\\n\r\t\x07\x08 z'))).toBe('"a\\x01\\x7f\\xe9\\"\\\\\\n\\r\\t\\a\\b z"');
    expect(reprBytes(new Uint8Array())).toBe('""');
  });

  it("shows every byte: printable ASCII as is, the rest escaped", () => {
    for (let c = 0; c < 256; c++) {
      const shown = reprByte(c);
      if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) expect(shown).toBe(String.fromCharCode(c));
      else expect(shown.startsWith("\\")).toBe(true);
    }
    expect(reprByte(0)).toBe("\\x00");
    expect(reprByte(0xff)).toBe("\\xff");
  });
});
