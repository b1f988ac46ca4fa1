// Live loss/accuracy curves of a job with uPlot (canvas; updated in place as epochs arrive): loss
// and validation loss on the left axis, accuracy and validation accuracy (0-1) on the right.
// `data-points` on the wrapper says how many epochs are drawn (the browser test watches it).

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { HistoryEntry } from '../api/types.js';

type Key = 'loss' | 'valLoss' | 'accuracy' | 'valAccuracy';
const SERIES: { key: Key; label: string; scale: 'loss' | 'acc'; stroke: string; dash?: number[] }[] = [
  { key: 'loss', label: 'loss', scale: 'loss', stroke: '#1f6fb4' },
  { key: 'valLoss', label: 'validation loss', scale: 'loss', stroke: '#e8700c', dash: [7, 4] },
  { key: 'accuracy', label: 'accuracy', scale: 'acc', stroke: '#23923a' },
  { key: 'valAccuracy', label: 'validation accuracy', scale: 'acc', stroke: '#c42a2a', dash: [7, 4] },
];

export function CurvesChart({ history }: { history: HistoryEntry[] }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<{ plot: uPlot; signature: string } | null>(null);
  const shown = SERIES.filter((s) => history.some((e) => typeof e[s.key] === 'number'));
  const signature = shown.map((s) => s.key).join(',');

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const data = [history.map((e) => e.epoch), ...shown.map((s) => history.map((e) => e[s.key] ?? null))] as uPlot.AlignedData;
    if (chart.current?.signature === signature) {
      chart.current.plot.setData(data);
      return;
    }
    chart.current?.plot.destroy();
    const hasAccuracy = shown.some((s) => s.scale === 'acc');
    const options: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: 300,
      scales: { x: { time: false }, acc: { range: [0, 1] } },
      axes: [
        // Whole epochs only on the x axis.
        { label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] },
        { label: 'loss', scale: 'loss' },
        ...(hasAccuracy ? [{ label: 'accuracy', scale: 'acc', side: 1, grid: { show: false } } as uPlot.Axis] : []),
      ],
      series: [{ label: 'epoch' }, ...shown.map((s) => ({ label: s.label, scale: s.scale, stroke: s.stroke, width: 2, dash: s.dash, points: { show: history.length < 40 } }))],
    };
    const plot = new uPlot(options, data, el);
    // The figure's numbers are in the history table; the canvas itself gets a name for screen readers.
    plot.ctx.canvas.setAttribute('role', 'img');
    plot.ctx.canvas.setAttribute('aria-label', `Chart of ${shown.map((s) => s.label).join(', ')} per epoch`);
    chart.current = { plot, signature };
  }, [history, signature]);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const observer = new ResizeObserver(() => chart.current?.plot.setSize({ width: Math.max(320, el.clientWidth), height: 300 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.current?.plot.destroy();
      chart.current = null;
    };
  }, []);

  return (
    <figure class="curves" aria-label="Training curves: loss and accuracy per epoch">
      <div ref={host} data-points={history.length} />
      {history.length === 0 && <figcaption>No epochs yet: the curves appear as the job trains.</figcaption>}
    </figure>
  );
}
