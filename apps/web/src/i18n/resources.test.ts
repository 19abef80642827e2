/**
 * Nothing half-translated: both catalogues have the same keys, each with the plural forms its
 * language needs and the same interpolation variables, no value is empty, and every key is used
 * somewhere in the app's source (keys are always written out in full, never assembled, so a key
 * that no source file spells is dead).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { en } from "./en.ts";
import { LANGUAGES, localeOf, type Language } from "./language.ts";
import { zh } from "./zh.ts";

const CATALOGUES: Record<Language, unknown> = { en, zh };
const PLURAL_FORMS = ["zero", "one", "two", "few", "many", "other"] as const;
const SRC = fileURLToPath(new URL("..", import.meta.url));

/** Every leaf of a catalogue as "a.b.c" → string. */
function flatten(value: unknown, prefix = "", out = new Map<string, string>()): Map<string, string> {
  if (typeof value === "string") {
    out.set(prefix, value);
    return out;
  }
  if (typeof value !== "object" || value === null) throw new Error(`${prefix}: not a string or an object`);
  for (const [key, child] of Object.entries(value)) flatten(child, prefix === "" ? key : `${prefix}.${key}`, out);
  return out;
}

/** "a.b_one" → { base: "a.b", form: "one" }; keys without a plural suffix have no form. */
function splitPlural(key: string): { readonly base: string; readonly form: string | null } {
  const at = key.lastIndexOf("_");
  const form = at < 0 ? "" : key.slice(at + 1);
  return (PLURAL_FORMS as readonly string[]).includes(form) ? { base: key.slice(0, at), form } : { base: key, form: null };
}

interface Entry {
  /** Plural form → text; a key without plural forms has the single form "". */
  readonly forms: Map<string, string>;
}

function entries(catalogue: unknown): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const [key, value] of flatten(catalogue)) {
    const { base, form } = splitPlural(key);
    const entry = out.get(base) ?? { forms: new Map<string, string>() };
    entry.forms.set(form ?? "", value);
    out.set(base, entry);
  }
  return out;
}

function variables(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([\w.]+)\s*(?:,[^}]*)?\}\}/g)].map((m) => m[1]!);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !/\.d\.ts$/.test(name)) out.push(path);
  }
  return out;
}

type Catalogues = Readonly<Record<Language, unknown>>;

/** Keys one language has and another lacks, as "zh lacks a.b". */
function missingKeys(catalogues: Catalogues): string[] {
  const all = LANGUAGES.map((language) => [language, entries(catalogues[language])] as const);
  const out: string[] = [];
  for (const [language, own] of all) {
    for (const [other, theirs] of all) {
      for (const key of theirs.keys()) if (!own.has(key)) out.push(`${language} lacks ${key} (in ${other})`);
    }
  }
  return out;
}

/** Plural keys whose forms are not exactly those the language uses (en: one, other; zh: other). */
function wrongPluralForms(catalogues: Catalogues): string[] {
  const all = LANGUAGES.map((language) => [language, entries(catalogues[language])] as const);
  const pluralBases = new Set(all.flatMap(([, own]) => [...own].filter(([, e]) => !e.forms.has("")).map(([key]) => key)));
  const out: string[] = [];
  for (const [language, own] of all) {
    const needed = [...new Intl.PluralRules(localeOf(language)).resolvedOptions().pluralCategories].sort().join(",");
    for (const base of pluralBases) {
      const forms = [...(own.get(base)?.forms.keys() ?? [])].sort().join(",");
      if (forms !== needed) out.push(`${language} ${base}: forms {${forms}}, needs {${needed}}`);
    }
  }
  return out;
}

/** Keys whose {{variables}} differ between English and another language (over all plural forms). */
function variableMismatches(catalogues: Catalogues): string[] {
  const all = LANGUAGES.map((language) => [language, entries(catalogues[language])] as const);
  const varsOf = (own: Map<string, Entry>, key: string): string =>
    [...new Set([...(own.get(key)?.forms.values() ?? [])].flatMap(variables))].sort().join(",");
  const english = entries(catalogues.en);
  const out: string[] = [];
  for (const key of english.keys()) {
    for (const [language, own] of all) {
      if (own.has(key) && varsOf(own, key) !== varsOf(english, key)) out.push(`${key}: en {${varsOf(english, key)}} vs ${language} {${varsOf(own, key)}}`);
    }
  }
  return out;
}

/** Keys (plural forms folded) that no source file spells out as a string literal. */
function unusedKeys(catalogue: unknown, sources: readonly string[]): string[] {
  const literals = new Set<string>();
  for (const source of sources) for (const match of source.matchAll(/(["'`])([\w.]+)\1/g)) literals.add(match[2]!);
  return [...entries(catalogue).keys()].filter((key) => !literals.has(key));
}

function emptyValues(catalogues: Catalogues): string[] {
  return LANGUAGES.flatMap((language) => [...flatten(catalogues[language])].filter(([, value]) => value.trim() === "").map(([key]) => `${language} ${key}`));
}

function appSources(): string[] {
  const catalogueFiles = new Set(["en.ts", "zh.ts"].map((name) => join(SRC, "i18n", name)));
  return sourceFiles(SRC)
    .filter((file) => !catalogueFiles.has(file))
    .map((file) => readFileSync(file, "utf8"));
}

describe("the English and Chinese catalogues", () => {
  it("have the same keys", () => expect(missingKeys(CATALOGUES)).toEqual([]));
  it("give each plural key exactly the forms its language uses", () => expect(wrongPluralForms(CATALOGUES)).toEqual([]));
  it("use the same interpolation variables in both languages", () => expect(variableMismatches(CATALOGUES)).toEqual([]));
  it("have no empty strings", () => expect(emptyValues(CATALOGUES)).toEqual([]));
  it("hold no key that the app does not use", () => expect(unusedKeys(CATALOGUES.en, appSources())).toEqual([]));
});

describe("the catalogue checks themselves", () => {
  const good = { en: { a: { b: "B {{x}}", n_one: "one", n_other: "{{count}} n" } }, zh: { a: { b: "乙 {{x}}", n_other: "{{count}} 个" } } };

  it("pass a consistent pair", () => {
    expect(missingKeys(good)).toEqual([]);
    expect(wrongPluralForms(good)).toEqual([]);
    expect(variableMismatches(good)).toEqual([]);
    expect(unusedKeys(good.en, ['t("a.b")', "t('a.n', { count })"])).toEqual([]);
  });

  it("catch a key missing from Chinese, a missing plural form, a changed variable and an unused key", () => {
    expect(missingKeys({ en: good.en, zh: { a: { n_other: "x" } } })).toEqual(["zh lacks a.b (in en)"]);
    expect(wrongPluralForms({ en: { a: { b: "B {{x}}", n_other: "{{count}} n" } }, zh: good.zh })).toEqual(["en a.n: forms {other}, needs {one,other}"]);
    expect(variableMismatches({ en: good.en, zh: { a: { b: "乙 {{y}}", n_other: "{{count}} 个" } } })).toEqual(["a.b: en {x} vs zh {y}"]);
    expect(unusedKeys(good.en, ['t("a.b")'])).toEqual(["a.n"]);
  });
});
