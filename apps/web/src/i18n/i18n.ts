/**
 * The one i18n layer: an i18next instance with the English and Chinese catalogues, the language
 * chosen at start (URL, then the viewer's last choice, then the browser), and the switch that
 * changes it, remembers it and keeps `<html lang>` right. Importable outside a browser (tests),
 * where it starts in English.
 */
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en.ts";
import { chooseLanguage, LANG_PARAM, LANG_STORAGE_KEY, LANGUAGES, localeOf, urlWithLanguage, type Language } from "./language.ts";
import { zh } from "./zh.ts";

/** The catalogues by language. */
export const RESOURCES = { en, zh } as const satisfies Record<Language, unknown>;

function readStored(): string | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage.getItem(LANG_STORAGE_KEY);
  } catch {
    return null;
  }
}

function initialLanguage(): Language {
  if (typeof location === "undefined" || typeof navigator === "undefined") return "en";
  return chooseLanguage({
    url: new URL(location.href).searchParams.get(LANG_PARAM),
    stored: readStored(),
    browser: navigator.languages ?? [navigator.language],
  });
}

export const i18n = i18next.createInstance();

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, zh: { translation: zh } },
  lng: initialLanguage(),
  supportedLngs: [...LANGUAGES],
  fallbackLng: "en",
  // React escapes what it renders; escaping here too would show &amp; and friends.
  interpolation: { escapeValue: false },
  returnNull: false,
  // The catalogues are bundled, so init finishes before the first render.
  initAsync: false,
});

/** The language now shown. */
export function currentLanguage(): Language {
  return i18n.language === "zh" ? "zh" : "en";
}

/** The locale (for Intl number and date formats) of the language now shown. */
export function currentLocale(): string {
  return localeOf(currentLanguage());
}

function markDocument(language: Language): void {
  if (typeof document !== "undefined") document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
}

markDocument(currentLanguage());

/** Switches the language, remembers the choice, and keeps a `?lang=` in the URL in step. */
export function setLanguage(language: Language): void {
  void i18n.changeLanguage(language);
  markDocument(language);
  try {
    localStorage.setItem(LANG_STORAGE_KEY, language);
  } catch {
    // Private mode or a full quota: the choice is just not remembered.
  }
  if (typeof location !== "undefined") {
    const next = urlWithLanguage(location.href, language);
    if (next !== location.href) history.replaceState(history.state, "", next);
  }
}
