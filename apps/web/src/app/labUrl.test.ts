import { describe, expect, it } from "vitest";
import { labIdFromUrl, urlWithLab } from "./labUrl.ts";

describe("lab id in the URL", () => {
  it("reads ?lab=", () => {
    expect(labIdFromUrl("http://h/?lab=abc")).toBe("abc");
    expect(labIdFromUrl("http://h/?lab=")).toBeNull();
    expect(labIdFromUrl("http://h/")).toBeNull();
  });
  it("writes ?lab= keeping other parameters", () => {
    expect(urlWithLab("http://h/?x=1", "L1")).toBe("http://h/?x=1&lab=L1");
    expect(urlWithLab("http://h/?lab=old", "new")).toBe("http://h/?lab=new");
  });
});
