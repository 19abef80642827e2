import { describe, expect, it } from "vitest";
import { labIdFromUrl, momentFromUrl, urlWithLab, urlWithMoment } from "./labUrl.ts";

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
  it("reads the moment ?t= (virtual ms, fractions kept), ignoring anything that is not a time", () => {
    expect(momentFromUrl("http://h/?lab=L&t=12400")).toBe(12400);
    expect(momentFromUrl("http://h/?lab=L&t=13002.00848")).toBe(13002.00848);
    expect(momentFromUrl("http://h/?lab=L&t=0")).toBe(0);
    expect(momentFromUrl("http://h/?lab=L")).toBeNull();
    expect(momentFromUrl("http://h/?lab=L&t=-5")).toBeNull();
    expect(momentFromUrl("http://h/?lab=L&t=1e3")).toBeNull();
    expect(momentFromUrl("http://h/?lab=L&t=abc")).toBeNull();
  });
  it("writes ?t= next to the lab, exactly, and removes it for live", () => {
    expect(urlWithMoment("http://h/?lab=L", 13002.00848)).toBe("http://h/?lab=L&t=13002.00848");
    expect(urlWithMoment("http://h/?lab=L&t=5&lang=zh", null)).toBe("http://h/?lab=L&lang=zh");
    expect(momentFromUrl(urlWithMoment(urlWithLab("http://h/", "L"), 77))).toBe(77);
  });
});
