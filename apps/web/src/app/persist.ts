/** Small things remembered in localStorage: theme and each lab's pinned node positions. */
import type { Point } from "../canvas/layout.ts";
import type { Theme } from "../store/slices/prefsSlice.ts";

const THEME_KEY = "replica-lab:theme";
const positionsKey = (labId: string): string => `replica-lab:positions:${labId}`;

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode or a full quota: the preference just is not remembered.
  }
}

export function loadTheme(): Theme {
  const saved = read(THEME_KEY);
  if (saved === "light" || saved === "dark") return saved;
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function saveTheme(theme: Theme): void {
  write(THEME_KEY, theme);
}

export function loadPinned(labId: string): Record<string, Point> {
  const raw = read(positionsKey(labId));
  if (raw === null) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== "object" || parsed === null) return {};
    const out: Record<string, Point> = {};
    for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
      const p = value as { x?: unknown; y?: unknown };
      if (typeof p.x === "number" && typeof p.y === "number") out[id] = { x: p.x, y: p.y };
    }
    return out;
  } catch {
    return {};
  }
}

export function savePinned(labId: string, pinned: Readonly<Record<string, Point>>): void {
  write(positionsKey(labId), JSON.stringify(pinned));
}
