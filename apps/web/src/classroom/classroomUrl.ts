/**
 * The classroom in the URL: `?class=CODE` is the join link, and it stays in the address while the
 * page is in the session (following, or on a fork), so a reload stays in it too. A follower's id
 * is kept per tab (sessionStorage), so a reload is the same follower.
 */

/** The query parameter of the join code. */
export const CLASS_PARAM = "class";

/** The join code in the URL, upper-cased, or null. */
export function classCodeFromUrl(href: string): string | null {
  const raw = new URL(href).searchParams.get(CLASS_PARAM);
  return raw !== null && /^[A-Za-z0-9]{4,12}$/.test(raw.trim()) ? raw.trim().toUpperCase() : null;
}

/** The URL with the join code (and the lab) set, or without the code. */
export function urlWithClass(href: string, code: string | null, labId?: string): string {
  const url = new URL(href);
  if (code === null) url.searchParams.delete(CLASS_PARAM);
  else url.searchParams.set(CLASS_PARAM, code);
  if (labId !== undefined) url.searchParams.set("lab", labId);
  url.searchParams.delete("t");
  return url.toString();
}

/** The join link students open: the page's origin with the code only. */
export function joinLink(href: string, code: string): string {
  const url = new URL(href);
  return `${url.origin}${url.pathname}?${CLASS_PARAM}=${encodeURIComponent(code)}`;
}

const followerKey = (code: string): string => `replica-lab:follower:${code}`;

/** This tab's follower id in the session, if it joined before. */
export function storedFollower(code: string): string | null {
  try {
    return sessionStorage.getItem(followerKey(code));
  } catch {
    return null;
  }
}

/** Remembers this tab's follower id. */
export function storeFollower(code: string, followerId: string): void {
  try {
    sessionStorage.setItem(followerKey(code), followerId);
  } catch {
    // Private mode: a reload joins again as a new follower.
  }
}
