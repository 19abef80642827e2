/**
 * Seed 001's rule for the backlog's size, `2 × second × write_size_per_second`: how long a
 * replica is usually away, times the bytes of write commands the master produces per second,
 * doubled for headroom. The answer comes with the command that sets it.
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { formatBytes } from "../format/units.ts";
import { backlogSize } from "./backlogRule.ts";

/** The calculator, with two inputs and the answer. */
export function BacklogCalculator() {
  const { t } = useTranslation();
  const [seconds, setSeconds] = useState(60);
  const [rate, setRate] = useState(1000);
  const bytes = backlogSize(seconds, rate);
  return (
    <div className="calculator" data-testid="backlog-calculator">
      <strong>{t("lessons.calculator.title")}</strong>
      <label>
        {t("lessons.calculator.seconds")}
        <input type="number" min={0} value={seconds} onChange={(e) => setSeconds(Number(e.target.value))} data-testid="calculator-seconds" />
      </label>
      <label>
        {t("lessons.calculator.rate")}
        <input type="number" min={0} value={rate} onChange={(e) => setRate(Number(e.target.value))} data-testid="calculator-rate" />
      </label>
      <div className="calculator-result" data-testid="calculator-result" data-bytes={bytes}>
        {t("lessons.calculator.result", { bytes })} ({formatBytes(bytes)})
      </div>
      <code>{t("lessons.calculator.command", { bytes })}</code>
    </div>
  );
}
