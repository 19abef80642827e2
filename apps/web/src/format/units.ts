/**
 * Number formatting for cards and panels: compact, unit-suffixed, readable from the back row, in
 * the language now shown (digit grouping from Intl, unit words from the catalogue). Byte units and
 * rates stay in their international symbols (KB, MB/s), which both languages use.
 */
import { currentLocale, i18n } from "../i18n/i18n.ts";

const groupedByLocale = new Map<string, Intl.NumberFormat>();

function grouped(): Intl.NumberFormat {
  const locale = currentLocale();
  let format = groupedByLocale.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale);
    groupedByLocale.set(locale, format);
  }
  return format;
}

/** 1234567 → "1,234,567". Offsets are exact, so they are never rounded. */
export function formatOffset(offset: number): string {
  return grouped().format(offset);
}

/** Bytes with a binary unit: 512 B, 16 KB, 1 MB, 1.5 MB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "∞";
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"] as const;
  let value = bytes / 1024;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits).replace(/\.0$/, "")} ${units[unit]}`;
}

/** A bandwidth in decimal units, as networks are rated: 12.5 MB/s (= 100 Mbit/s). */
export function formatBandwidth(bytesPerSec: number | null): string {
  if (bytesPerSec === null || !Number.isFinite(bytesPerSec) || bytesPerSec <= 0) return i18n.t("units.unlimited");
  const units = [
    [1e9, "GB/s"],
    [1e6, "MB/s"],
    [1e3, "kB/s"],
  ] as const;
  for (const [size, unit] of units) {
    if (bytesPerSec >= size) return `${Number((bytesPerSec / size).toPrecision(3))} ${unit}`;
  }
  return `${bytesPerSec} B/s`;
}

/** Virtual time since the lab started: 12.3 s, 4 m 05 s, 1 h 02 m. */
export function formatVirtualTime(timeMs: number): string {
  const totalSec = Math.max(0, timeMs) / 1000;
  if (totalSec < 60) return i18n.t("units.seconds", { value: totalSec.toFixed(1) });
  const sec = Math.floor(totalSec % 60);
  const min = Math.floor(totalSec / 60) % 60;
  const hours = Math.floor(totalSec / 3600);
  if (hours === 0) return i18n.t("units.minutes", { min, sec: String(sec).padStart(2, "0") });
  return i18n.t("units.hours", { hours, min: String(min).padStart(2, "0") });
}

/** A rate such as writes per second: 0, 250, 1.5k, 10k. */
export function formatRate(perSec: number): string {
  if (perSec < 1000) return String(Math.round(perSec));
  const k = perSec / 1000;
  return `${Number.isInteger(k) ? k : k.toFixed(1)}k`;
}

/** Speed factor for the clock: 0.25×, 1×, 10×. */
export function formatSpeed(speed: number): string {
  return `${Number(speed.toPrecision(3))}×`;
}

/**
 * The offsets axis's labels: exact while every tick is under ten million, else all in millions (or
 * billions), so one axis never mixes "10M" with "5,000,000" and stays narrow.
 */
export function axisOffsets(ticks: readonly number[]): string[] {
  const top = ticks.reduce((max, tick) => Math.max(max, Math.abs(tick)), 0);
  if (top < 10_000_000) return ticks.map(formatOffset);
  const [unit, suffix] = top < 10_000_000_000 ? [1_000_000, "M"] : [1_000_000_000, "G"];
  return ticks.map((tick) => `${(tick / unit).toLocaleString("en-US", { maximumFractionDigits: 1 })}${tick === 0 ? "" : suffix}`);
}
