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
