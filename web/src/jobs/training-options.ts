// The new-job form's optimizer and learning-rate schedule choices, as request fields (API.md
// "Engine spec and training config"). Pure, so test/web can check what the form sends.

/** Each optimizer with torch's default learning rate, which the form proposes on a switch. */
export const OPTIMIZER_RATES = { adam: 0.001, adamw: 0.001, sgd: 0.01, rmsprop: 0.01 } as const;
export type OptimizerChoice = keyof typeof OPTIMIZER_RATES;

export const SCHEDULE_CHOICES = ['none', 'step', 'exponential', 'cosine', 'reduceOnPlateau'] as const;
export type ScheduleChoice = (typeof SCHEDULE_CHOICES)[number];

/** What the single "schedule parameter" input means for each schedule, and its starting value. */
export const SCHEDULE_PARAMETER: Record<Exclude<ScheduleChoice, 'none'>, { label: string; initial: (epochs: number) => string }> = {
  step: { label: 'Step every (epochs)', initial: (epochs) => String(Math.max(1, Math.round(epochs / 3))) },
  exponential: { label: 'Gamma per epoch', initial: () => '0.95' },
  cosine: { label: 'Cosine period tMax (epochs)', initial: (epochs) => String(Math.max(1, epochs)) },
  reduceOnPlateau: { label: 'Plateau patience (epochs)', initial: () => '5' },
};

/** The request's `lrSchedule`; other fields keep the API's defaults (gamma 0.1, factor 0.1, etaMin 0). */
export function lrScheduleField(choice: ScheduleChoice, parameter: string): Record<string, unknown> | null {
  const value = Number(parameter);
  switch (choice) {
    case 'none':
      return null;
    case 'step':
      return { type: 'step', stepSize: value };
    case 'exponential':
      return { type: 'exponential', gamma: value };
    case 'cosine':
      return { type: 'cosine', tMax: value };
    case 'reduceOnPlateau':
      return { type: 'reduceOnPlateau', patience: value };
  }
}

/** An empty input means no clipping. */
export function clipGradNormField(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}
