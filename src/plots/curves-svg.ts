// A job's history as an SVG line chart (the tutorial's cost plot, for curl and READMEs): loss and
// validation loss per epoch on the left axis, accuracy and validation accuracy on a right axis (0-100%)
// for classifiers. Pure: history in, SVG text out; no DOM, no canvas, no fonts to measure.

import type { EpochMetrics } from '../engine/index.js';

/**
 * One history entry. Extra fields (engine v2's `learningRate`) are tolerated and not drawn: a third
 * scale would crowd the chart, and the dashboard shows the rate beside its curves.
 */
export type CurveEntry = Pick<EpochMetrics, 'epoch' | 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy'>;

export interface CurvesOptions {
  title: string;
}

type SeriesKey = 'loss' | 'valLoss' | 'accuracy' | 'valAccuracy';

interface SeriesStyle {
  key: SeriesKey;
  label: string;
  axis: 'loss' | 'accuracy';
  color: string;
  /** Validation series are dashed, so the chart reads without colour too. */
  dash: string | null;
}

/** Every series the chart knows, in drawing and legend order. */
export const CURVE_SERIES: readonly SeriesStyle[] = [
  { key: 'loss', label: 'loss', axis: 'loss', color: '#1f6fb4', dash: null },
  { key: 'valLoss', label: 'validation loss', axis: 'loss', color: '#e8700c', dash: '7 4' },
  { key: 'accuracy', label: 'accuracy', axis: 'accuracy', color: '#23923a', dash: null },
  { key: 'valAccuracy', label: 'validation accuracy', axis: 'accuracy', color: '#c42a2a', dash: '7 4' },
];

const WIDTH = 720;
const HEIGHT = 400;
const PLOT = { left: 72, right: WIDTH - 72, top: 78, bottom: HEIGHT - 52 };
const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
const AXIS_COLOR = '#444';
const GRID_COLOR = '#e3e3e3';

interface Scale {
  ticks: number[];
  min: number;
  max: number;
  decimals: number;
}

/** Round tick values (1, 2 or 5 times a power of ten) covering [min, max] with about `count` steps. */
export function niceScale(min: number, max: number, count = 5, integer = false): Scale {
  if (!(max > min)) {
    const pad = Math.abs(min) * 0.1 || 1;
    [min, max] = [min - pad, max + pad];
  }
  const rough = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  let step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  if (integer) step = Math.max(1, Math.round(step));
  const low = Math.floor(min / step + 1e-9) * step;
  const high = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  // Rounded so 3 x 0.2 is 0.6, not 0.6000000000000001.
  for (let i = 0; low + i * step <= high + step * 1e-9; i++) ticks.push(Number((low + i * step).toPrecision(12)));
  return { ticks, min: low, max: high, decimals: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}

const escapeXml = (text: string): string =>
  text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

const round = (v: number): string => String(Math.round(v * 10) / 10);

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The chart as a standalone SVG document. */
export function renderCurvesSvg(history: readonly CurveEntry[], { title }: CurvesOptions): string {
  const entries = [...history].sort((a, b) => a.epoch - b.epoch);
  const shown = CURVE_SERIES.filter((s) => entries.some((e) => finite(e[s.key])));
  const classifier = shown.some((s) => s.axis === 'accuracy');

  const epochs = entries.map((e) => e.epoch);
  const xScale = epochs.length === 0 ? niceScale(1, 10, 5, true) : niceScale(Math.min(...epochs), Math.max(...epochs), 8, true);
  const losses = entries.flatMap((e) => [e.loss, e.valLoss]).filter(finite);
  const lossScale = losses.length === 0 ? niceScale(0, 1) : niceScale(Math.min(...losses), Math.max(...losses));
  const accuracyScale: Scale = { ticks: [0, 0.25, 0.5, 0.75, 1], min: 0, max: 1, decimals: 2 };

  const x = (epoch: number) => PLOT.left + ((epoch - xScale.min) / (xScale.max - xScale.min)) * (PLOT.right - PLOT.left);
  const yOn = (scale: Scale) => (v: number) => PLOT.bottom - ((v - scale.min) / (scale.max - scale.min)) * (PLOT.bottom - PLOT.top);
  const yLoss = yOn(lossScale);
  const yAccuracy = yOn(accuracyScale);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-labelledby="curves-title" font-family="${FONT}">`,
    `<title id="curves-title">${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="26" text-anchor="middle" font-size="17" font-weight="600" fill="#222">${escapeXml(title)}</text>`,
  ];

  // Grid and ticks: epochs below, loss on the left, accuracy (classifiers only) on the right.
  for (const t of xScale.ticks) {
    parts.push(`<line x1="${round(x(t))}" y1="${PLOT.top}" x2="${round(x(t))}" y2="${PLOT.bottom}" stroke="${GRID_COLOR}"/>`);
    parts.push(`<text x="${round(x(t))}" y="${PLOT.bottom + 18}" text-anchor="middle" font-size="12" fill="${AXIS_COLOR}">${t}</text>`);
  }
  for (const t of lossScale.ticks) {
    parts.push(`<line x1="${PLOT.left}" y1="${round(yLoss(t))}" x2="${PLOT.right}" y2="${round(yLoss(t))}" stroke="${GRID_COLOR}"/>`);
    parts.push(`<text x="${PLOT.left - 8}" y="${round(yLoss(t) + 4)}" text-anchor="end" font-size="12" fill="${AXIS_COLOR}">${t.toFixed(lossScale.decimals)}</text>`);
  }
  if (classifier) {
    for (const t of accuracyScale.ticks) {
      parts.push(`<text x="${PLOT.right + 8}" y="${round(yAccuracy(t) + 4)}" text-anchor="start" font-size="12" fill="${AXIS_COLOR}">${Math.round(t * 100)}%</text>`);
    }
  }
  parts.push(
    `<g stroke="${AXIS_COLOR}" stroke-width="1.2">`,
    `<line x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}"/>`,
    `<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.bottom}"/>`,
    classifier ? `<line x1="${PLOT.right}" y1="${PLOT.top}" x2="${PLOT.right}" y2="${PLOT.bottom}"/>` : '',
    `</g>`,
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${HEIGHT - 12}" text-anchor="middle" font-size="13" fill="${AXIS_COLOR}">epoch</text>`,
    `<text transform="translate(20 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="13" fill="${AXIS_COLOR}">loss</text>`,
  );
  if (classifier) {
    parts.push(`<text transform="translate(${WIDTH - 14} ${(PLOT.top + PLOT.bottom) / 2}) rotate(90)" text-anchor="middle" font-size="13" fill="${AXIS_COLOR}">accuracy</text>`);
  }
  if (entries.length === 0) {
    parts.push(`<text x="${(PLOT.left + PLOT.right) / 2}" y="${(PLOT.top + PLOT.bottom) / 2}" text-anchor="middle" font-size="14" fill="#888">no epochs yet</text>`);
  }

  // One polyline per series, one vertex per entry with a finite value, in epoch order.
  for (const series of shown) {
    const y = series.axis === 'loss' ? yLoss : yAccuracy;
    const points = entries.filter((e) => finite(e[series.key])).map((e) => `${round(x(e.epoch))},${round(y(e[series.key] as number))}`);
    const dash = series.dash ? ` stroke-dasharray="${series.dash}"` : '';
    parts.push(`<polyline data-series="${series.key}" fill="none" stroke="${series.color}" stroke-width="2.2" stroke-linejoin="round"${dash} points="${points.join(' ')}"/>`);
    // A single epoch has no line to draw; a dot shows it.
    if (points.length === 1) {
      const [px, py] = points[0].split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="3.5" fill="${series.color}"/>`);
    }
  }

  parts.push(legend(shown), '</svg>');
  return parts.filter(Boolean).join('\n') + '\n';
}

/** Swatches and names in one row under the title; widths estimated from the label length. */
function legend(series: readonly SeriesStyle[]): string {
  const widths = series.map((s) => 34 + s.label.length * 7.2 + 18);
  let left = (WIDTH - widths.reduce((a, b) => a + b, 0)) / 2;
  const items = series.map((s, i) => {
    const at = left;
    left += widths[i];
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    return (
      `<g data-legend="${s.key}"><line x1="${round(at)}" y1="52" x2="${round(at + 26)}" y2="52" stroke="${s.color}" stroke-width="2.6"${dash}/>` +
      `<text x="${round(at + 32)}" y="56.5" font-size="13" fill="#222">${escapeXml(s.label)}</text></g>`
    );
  });
  return `<g aria-label="legend">${items.join('')}</g>`;
}
