/**
 * What the '?' help adds for the canvas gestures beyond the shortcuts, and for lessons and the
 * glossary: items for the help's "On the canvas" list, and a section of its own.
 */
import { useTranslation } from "react-i18next";

/** More canvas gestures, as list items for the help's gesture list. */
export function MoreGestures() {
  const { t } = useTranslation();
  return (
    <>
      <li>{t("gestures.pan")}</li>
      <li>{t("gestures.moveCard")}</li>
      <li>{t("gestures.select")}</li>
      <li>{t("gestures.deleteLink")}</li>
    </>
  );
}

/** Lessons and the glossary, as a section of the help. */
export function LessonHelp() {
  const { t } = useTranslation();
  return (
    <>
      <h3>{t("lessons.help.title")}</h3>
      <ul>
        <li>{t("lessons.help.lessons")}</li>
        <li>{t("lessons.help.glossary")}</li>
      </ul>
    </>
  );
}
