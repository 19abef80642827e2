import { describe, expect, it } from "vitest";
import { axisOffsets, formatBandwidth, formatBytes, formatOffset, formatRate, formatSpeed, formatVirtualTime } from "./units.ts";
import { isUnsetReplid, replidColors, replidHue, shortReplid } from "./replid.ts";

describe("units", () => {
  it("label the offsets axis exactly below ten million, then all ticks in M or G alike", () => {
    expect(axisOffsets([0, 2_500_000, 5_000_000])).toEqual(["0", "2,500,000", "5,000,000"]);
    expect(axisOffsets([0, 5_000_000, 10_000_000])).toEqual(["0", "5M", "10M"]);
    expect(axisOffsets([25_500_000])).toEqual(["25.5M"]);
    expect(axisOffsets([3_000_000_000, 12_000_000_000])).toEqual(["3G", "12G"]);
  });

  it("formats offsets exactly", () => expect(formatOffset(1234567)).toBe("1,234,567"));
  it("formats bytes with binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(16384)).toBe("16 KB");
    expect(formatBytes(1048576)).toBe("1 MB");
    expect(formatBytes(1572864)).toBe("1.5 MB");
  });
  it("formats bandwidth in decimal units", () => {
    expect(formatBandwidth(12_500_000)).toBe("12.5 MB/s");
    expect(formatBandwidth(1_250)).toBe("1.25 kB/s");
    expect(formatBandwidth(null)).toBe("unlimited");
  });
  it("formats virtual time, rates and speeds", () => {
    expect(formatVirtualTime(12_345)).toBe("12.3 s");
    expect(formatVirtualTime(245_000)).toBe("4 m 05 s");
    expect(formatRate(10_000)).toBe("10k");
    expect(formatRate(1500)).toBe("1.5k");
    expect(formatSpeed(0.25)).toBe("0.25×");
  });
});

describe("replid display", () => {
  const a = "8f1c2b3a4d5e6f708192a3b4c5d6e7f801234567";
  it("shortens and recognises unset ids", () => {
    expect(shortReplid(a)).toBe("8f1c2b");
    expect(isUnsetReplid("0000000000000000000000000000000000000000")).toBe(true);
    expect(isUnsetReplid(a)).toBe(false);
  });
  it("gives equal ids equal colours and different ids (usually) different hues", () => {
    expect(replidColors(a)).toEqual(replidColors(`${a}`));
    const hues = new Set(["a", "b", "c", "d", "e", "f"].map((c) => Math.floor(replidHue(a.replace("8", c)) / 30)));
    expect(hues.size).toBeGreaterThan(2);
  });
});

describe("formats in the language shown", () => {
  it("writes Chinese unit words and keeps the figures", async () => {
    const { i18n } = await import("../i18n/i18n.ts");
    await i18n.changeLanguage("zh");
    try {
      expect(formatVirtualTime(12_345)).toBe("12.3 秒");
      expect(formatVirtualTime(245_000)).toBe("4 分 05 秒");
      expect(formatOffset(1234567)).toBe("1,234,567");
      expect(formatBandwidth(null)).toBe("不限");
    } finally {
      await i18n.changeLanguage("en");
    }
  });
});
