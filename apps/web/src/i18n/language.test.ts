import { describe, expect, it } from "vitest";
import { asLanguage, chooseLanguage, urlWithLanguage } from "./language.ts";

describe("choosing the language", () => {
  it("maps every zh* tag to Chinese and en* to English", () => {
    for (const tag of ["zh", "zh-CN", "zh-TW", "zh-Hant-HK", "ZH_cn"]) expect(asLanguage(tag)).toBe("zh");
    expect(asLanguage("en-GB")).toBe("en");
    expect(asLanguage("fr-FR")).toBeNull();
    expect(asLanguage("")).toBeNull();
  });

  it("takes the URL first, then the stored choice, then the first supported browser language", () => {
    expect(chooseLanguage({ url: "zh", stored: "en", browser: ["en-US"] })).toBe("zh");
    expect(chooseLanguage({ url: "en", stored: "zh", browser: ["zh-CN"] })).toBe("en");
    expect(chooseLanguage({ url: null, stored: "zh", browser: ["en-US"] })).toBe("zh");
    expect(chooseLanguage({ url: "klingon", stored: null, browser: ["fr-FR", "zh-TW", "en"] })).toBe("zh");
    expect(chooseLanguage({ url: null, stored: null, browser: ["de"] })).toBe("en");
  });

  it("rewrites the URL's lang parameter only when the URL has one", () => {
    expect(urlWithLanguage("http://h/?lab=x&lang=zh", "en")).toBe("http://h/?lab=x&lang=en");
    expect(urlWithLanguage("http://h/?lab=x", "zh")).toBe("http://h/?lab=x");
  });
});
