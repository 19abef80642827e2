/**
 * The glossary: a figure's name on a card or in the inspector, dotted, opens a popover that says
 * in one sentence what the figure is and links to the lesson that shows it (the lessons declare
 * which terms they show, `terms` in their files, so a new lesson needs no code to be linked).
 */
import type { ReactNode } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import type { GlossaryTerm } from "@replica-lab/protocol";
import { currentLanguage } from "../i18n/i18n.ts";
import { usePopover } from "../ui/usePopover.ts";
import { lessonFor } from "./lessonFor.ts";
import { loadCatalogue, startLesson, useLessons } from "./lessonStore.ts";

// Keys written out in full (the catalogue test finds every key by its literal).
const TERM_NAME = {
  offset: "glossary.term.offset",
  replid: "glossary.term.replid",
  replid2: "glossary.term.replid2",
  backlog: "glossary.term.backlog",
  lag: "glossary.term.lag",
  repl_state: "glossary.term.repl_state",
  run_id: "glossary.term.run_id",
  binlog_seq: "glossary.term.binlog_seq",
} as const satisfies Record<GlossaryTerm, string>;

const TERM_TEXT = {
  offset: "glossary.text.offset",
  replid: "glossary.text.replid",
  replid2: "glossary.text.replid2",
  backlog: "glossary.text.backlog",
  lag: "glossary.text.lag",
  repl_state: "glossary.text.repl_state",
  run_id: "glossary.text.run_id",
  binlog_seq: "glossary.text.binlog_seq",
} as const satisfies Record<GlossaryTerm, string>;

const WIDTH = 320;

/** A figure's label that explains itself on click. */
export function Term({ term, children, className }: { readonly term: GlossaryTerm; readonly children: ReactNode; readonly className?: string }) {
  const { t } = useTranslation();
  const { open, setOpen, place, button, popover } = usePopover(WIDTH, "left");
  const catalogue = useLessons((s) => s.catalogue);
  const name = t(TERM_NAME[term]);
  const lesson = catalogue ? lessonFor(term, catalogue) : null;
  return (
    <>
      <button
        ref={button}
        type="button"
        className={`term nodrag nopan${className ? ` ${className}` : ""}`}
        title={t("glossary.openTitle", { term: name })}
        aria-expanded={open}
        data-term={term}
        data-testid={`term-${term}`}
        onPointerDown={(event) => event.stopPropagation()}
        onClick={(event) => {
          event.stopPropagation();
          if (!open && catalogue === null) void loadCatalogue();
          setOpen((was) => !was);
        }}
      >
        {children}
      </button>
      {open &&
        place &&
        createPortal(
          <div ref={popover} className="glossary-popover" role="dialog" aria-label={t("glossary.title", { term: name })} style={{ left: place.left, top: place.top, width: WIDTH }} data-testid="glossary-popover" data-term={term}>
            <div className="glossary-head">
              <strong>{t("glossary.title", { term: name })}</strong>
              <button type="button" className="btn icon small" aria-label={t("glossary.close")} onClick={() => setOpen(false)}>
                ×
              </button>
            </div>
            <p>{t(TERM_TEXT[term])}</p>
            {lesson && (
              <button type="button" className="btn small glossary-lesson" onClick={() => void startLesson(lesson.id)} data-testid="glossary-lesson">
                {t("glossary.seeLesson", { title: lesson.title[currentLanguage()] })}
              </button>
            )}
          </div>,
          document.body,
        )}
    </>
  );
}
