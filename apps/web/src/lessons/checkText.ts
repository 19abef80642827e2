/**
 * A lesson check in words of the language shown: its own `label` when the lesson gives one, else
 * built from its structure (field names stay INFO's, event kinds use the event log's words).
 */
import type { TFunction } from "i18next";
import type { CheckComparison, CheckValue, LessonCheck } from "@replica-lab/protocol";
import type { Language } from "../i18n/language.ts";
import { eventKindLabel } from "../panels/eventText.ts";

const show = (value: CheckValue): string => (value === "" ? '""' : String(value));

/** The check in words of `language`. */
export function checkText(check: LessonCheck, t: TFunction, language: Language): string {
  if (check.label) return check.label[language];
  switch (check.kind) {
    case "field":
      return fieldText(check.node, check.field, check.compare, t);
    case "event": {
      const filters =
        (check.side ? t("lessons.check.side", { side: check.side }) : "") +
        (check.peer ? t("lessons.check.peer", { peer: check.peer }) : "") +
        (check.detail ? t("lessons.check.detail", { detail: check.detail }) : "") +
        (check.since === "lesson" ? t("lessons.check.sinceLesson") : "");
      const event = eventKindLabel(check.event, t);
      const who = check.node ?? t("lessons.check.anyNode");
      if (check.absent) return t("lessons.check.eventAbsent", { event, filters });
      if (check.atLeast > 1) return t("lessons.check.eventMany", { who, event, filters, count: check.atLeast });
      return t("lessons.check.event", { who, event, filters });
    }
    case "key":
      if (!check.exists) return t("lessons.check.keyAbsent", { node: check.node, key: check.key });
      return check.equals === undefined ? t("lessons.check.keyExists", { node: check.node, key: check.key }) : t("lessons.check.key", { node: check.node, key: check.key, value: check.equals });
    case "same-data":
      return t("lessons.check.sameData", { node: check.node, other: check.as });
    case "typed":
      return t("lessons.check.typed", { node: check.node, command: check.command });
  }
}

function fieldText(node: string, field: string, compare: CheckComparison, t: TFunction): string {
  switch (compare.kind) {
    case "equals":
      return t("lessons.check.equals", { node, field, value: show(compare.value) });
    case "notEquals":
      return t("lessons.check.notEquals", { node, field, value: show(compare.value) });
    case "atLeast":
      return t("lessons.check.atLeast", { node, field, value: compare.value });
    case "atMost":
      return t("lessons.check.atMost", { node, field, value: compare.value });
    case "sameAs":
      return t("lessons.check.sameAs", { node, field, other: compare.ref.node, otherField: compare.ref.field ?? field });
    case "differsFrom":
      return t("lessons.check.differsFrom", { node, field, other: compare.ref.node, otherField: compare.ref.field ?? field });
  }
}
