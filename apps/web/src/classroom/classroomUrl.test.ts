/** The join code in the URL: read, written, and the link students open. */
import { describe, expect, it } from "vitest";
import { classCodeFromUrl, joinLink, urlWithClass } from "./classroomUrl.ts";

describe("the classroom URL", () => {
  it("reads a join code, upper-cased, and refuses what is not one", () => {
    expect(classCodeFromUrl("http://h/?class=ab3de7")).toBe("AB3DE7");
    expect(classCodeFromUrl("http://h/?lab=x")).toBeNull();
    expect(classCodeFromUrl("http://h/?class=a")).toBeNull();
    expect(classCodeFromUrl("http://h/?class=%3Cscript%3E")).toBeNull();
  });

  it("keeps the lab and the language, drops the moment, and can leave the class", () => {
    const joined = new URL(urlWithClass("http://h/?lab=old&lang=zh&t=12", "AB3DE7", "L1"));
    expect(Object.fromEntries(joined.searchParams)).toEqual({ lab: "L1", lang: "zh", class: "AB3DE7" });
    expect(new URL(urlWithClass(joined.href, null)).searchParams.has("class")).toBe(false);
  });

  it("gives students a link with the code only", () => {
    expect(joinLink("http://127.0.0.1:8080/?lab=L1&class=AB3DE7&t=5", "AB3DE7")).toBe("http://127.0.0.1:8080/?class=AB3DE7");
  });
});
