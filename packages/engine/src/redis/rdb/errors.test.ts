import { describe, expect, it } from "vitest";
import { RdbError } from "./errors.ts";

describe("RdbError", () => {
  it("carries a stable code next to a human message", () => {
    const error = new RdbError("bad-checksum", "Wrong RDB checksum");
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(RdbError);
    expect(error.name).toBe("RdbError");
    expect(error.code).toBe("bad-checksum");
    expect(error.message).toBe("Wrong RDB checksum");
  });
});
