/**
 * Which language the app speaks: `?lang=zh|en` in the URL forces it, else the viewer's last choice
 * (remembered in localStorage), else the browser's preferred languages (any `zh*` means Chinese).
 * Pure, so the rule is tested without a browser.
 */

export const LANGUAGES = ["en", "zh"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The URL parameter that forces a language. */
export const LANG_PARAM = "lang";
/** The localStorage key of the viewer's choice. */
export const LANG_STORAGE_KEY = "replica-lab:lang";

/** The supported language a BCP 47 tag (zh-CN, zh-Hant-TW, en-GB, ...) asks for, if any. */
export function asLanguage(tag: string | null | undefined): Language | null {
  if (!tag) return null;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return primary === "zh" ? "zh" : primary === "en" ? "en" : null;
}

export interface LanguageSources {
  /** The `lang` parameter of the page's URL. */
  readonly url: string | null;
  /** What the viewer chose last time. */
  readonly stored: string | null;
  /** navigator.languages, most preferred first. */
  readonly browser: readonly string[];
}

export function chooseLanguage(sources: LanguageSources): Language {
  const forced = asLanguage(sources.url) ?? asLanguage(sources.stored);
  if (forced) return forced;
  for (const tag of sources.browser) {
    const language = asLanguage(tag);
    if (language) return language;
  }
  return "en";
}

/** The same URL with its `lang` parameter set to `language`, or unchanged when it has none. */
export function urlWithLanguage(href: string, language: Language): string {
  const url = new URL(href);
  if (!url.searchParams.has(LANG_PARAM)) return href;
  url.searchParams.set(LANG_PARAM, language);
  return url.toString();
}

/** The BCP 47 tag for number and date formatting. */
export function localeOf(language: Language): string {
  return language === "zh" ? "zh-CN" : "en-US";
}
