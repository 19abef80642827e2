/**
 * The "Lessons" button at the canvas's top-left corner, shown while the lesson panel is closed
 * (the panel has its own close button). On the canvas rather than in the header, which is full.
 */
import { useTranslation } from "react-i18next";
import { setPanelOpen, useLessons } from "./lessonStore.ts";

/** The button, or nothing while the panel is open. */
export function LessonsToggle() {
  const open = useLessons((s) => s.panelOpen);
  const { t } = useTranslation();
  if (open) return null;
  return (
    <button type="button" className="btn lessons-toggle" onClick={() => setPanelOpen(true)} title={t("lessons.openTitle")} data-testid="lessons-toggle">
      {t("lessons.open")}
    </button>
  );
}
