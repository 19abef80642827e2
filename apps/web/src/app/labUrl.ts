/** The lab id lives in the URL (`?lab=ID`), so a reload or a shared link opens the same lab. */

export function labIdFromUrl(href: string): string | null {
  const url = new URL(href);
  const id = url.searchParams.get("lab");
  return id !== null && id.trim() !== "" ? id.trim() : null;
}

export function urlWithLab(href: string, labId: string): string {
  const url = new URL(href);
  url.searchParams.set("lab", labId);
  return url.toString();
}

/**
 * The moment shown lives in the URL too (`?t=` in virtual milliseconds since the lab started, with
 * the fraction virtual time has: events fall between whole milliseconds), so a shared link or a
 * reload opens that exact moment. No `t` means live.
 */
export function momentFromUrl(href: string): number | null {
  const raw = new URL(href).searchParams.get("t");
  if (raw === null || !/^\d+(\.\d+)?$/.test(raw.trim())) return null;
  const ms = Number(raw.trim());
  return Number.isFinite(ms) ? ms : null;
}

/** The URL with `t` set to the moment, or without `t` for live. */
export function urlWithMoment(href: string, atMs: number | null): string {
  const url = new URL(href);
  if (atMs === null) url.searchParams.delete("t");
  else url.searchParams.set("t", String(Math.max(0, atMs)));
  return url.toString();
}
