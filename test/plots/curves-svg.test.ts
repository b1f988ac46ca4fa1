// renderCurvesSvg: one polyline per series with one vertex per history entry in epoch order, the
// legend and axes that go with them, empty axes without history, and text that stays well-formed.

import { describe, expect, it } from 'vitest';
import { niceScale, renderCurvesSvg, type CurveEntry } from '../../src/plots/curves-svg.js';

const entry = (epoch: number, loss: number, extra: Partial<CurveEntry> = {}): CurveEntry => ({
  epoch, loss, accuracy: null, valLoss: null, valAccuracy: null, ...extra,
});

/** The points of each `<polyline data-series>`, as [x, y] pairs. */
function polylines(svg: string): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const m of svg.matchAll(/<polyline data-series="(\w+)"[^>]* points="([^"]*)"\/>/g)) {
    out[m[1]] = m[2].split(' ').filter(Boolean).map((p) => p.split(',').map(Number) as [number, number]);
  }
  return out;
}

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

/** Every opened element is closed in order (a small well-formedness check; the browser test parses it for real). */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-z]+)([^>]*?)(\/?)>/g)) {
    if (m[4] === '/') continue;
    if (m[1] === '/') expect(stack.pop()).toBe(m[2]);
    else stack.push(m[2]);
  }
  expect(stack).toEqual([]);
}

describe('renderCurvesSvg', () => {
  const classifier = [
    entry(1, 2.0, { accuracy: 0.3, valLoss: 2.2, valAccuracy: 0.25 }),
    entry(2, 1.0, { accuracy: 0.6, valLoss: 1.4, valAccuracy: 0.5 }),
    entry(3, 0.5, { accuracy: 0.9, valLoss: 0.9, valAccuracy: 0.8 }),
  ];

  it('draws loss, validation loss, accuracy and validation accuracy, one vertex per entry in epoch order', () => {
    // Given out of order: the chart sorts by epoch.
    const svg = renderCurvesSvg([classifier[2], classifier[0], classifier[1]], { title: 'digits' });
    const lines = polylines(svg);
    expect(Object.keys(lines)).toEqual(['loss', 'valLoss', 'accuracy', 'valAccuracy']);
    for (const points of Object.values(lines)) {
      expect(points).toHaveLength(3);
      expect(points[0][0]).toBeLessThan(points[1][0]);
      expect(points[1][0]).toBeLessThan(points[2][0]);
    }
    // Falling loss goes down the chart (SVG y grows downwards); rising accuracy goes up.
    expect(lines.loss.map(([, y]) => y)).toEqual([...lines.loss.map(([, y]) => y)].sort((a, b) => a - b));
    expect(lines.accuracy[0][1]).toBeGreaterThan(lines.accuracy[2][1]);
    // Same epoch, same x across series.
    expect(lines.valAccuracy.map(([x]) => x)).toEqual(lines.loss.map(([x]) => x));
  });

  it('places vertices by value: equal values on one axis share a y, and the accuracy axis spans 0-100%', () => {
    const svg = renderCurvesSvg([entry(1, 1, { valLoss: 1, accuracy: 0, valAccuracy: 1 }), entry(2, 0, { valLoss: 0.5, accuracy: 1, valAccuracy: 0 })], { title: 't' });
    const lines = polylines(svg);
    expect(lines.loss[0][1]).toBe(lines.valLoss[0][1]);
    // accuracy 0 at epoch 1 and valAccuracy 0 at epoch 2 sit on the same baseline; 1 on the same top line.
    expect(lines.accuracy[0][1]).toBe(lines.valAccuracy[1][1]);
    expect(lines.accuracy[1][1]).toBe(lines.valAccuracy[0][1]);
    expect(texts(svg)).toEqual(expect.arrayContaining(['0%', '50%', '100%', 'accuracy']));
  });

  it('has a viewBox, a title, a legend naming each series, axis labels and ticks', () => {
    const svg = renderCurvesSvg(classifier, { title: 'digits-cnn · job 6cd5ddd7' });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+ \d+"/);
    expect(svg).toContain('<title id="curves-title">digits-cnn · job 6cd5ddd7</title>');
    expect([...svg.matchAll(/data-legend="(\w+)"/g)].map((m) => m[1])).toEqual(['loss', 'valLoss', 'accuracy', 'valAccuracy']);
    expect(texts(svg)).toEqual(expect.arrayContaining(['loss', 'validation loss', 'accuracy', 'validation accuracy', 'epoch', '1', '2', '3']));
    // Loss ticks cover the values: 0.5 .. 2.2 within the lowest and highest tick.
    const lossTicks = texts(svg).filter((t) => /^\d+\.\d+$/.test(t)).map(Number);
    expect(Math.min(...lossTicks)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...lossTicks)).toBeGreaterThanOrEqual(2.2);
    assertBalanced(svg);
  });

  it('a regression job: loss only, no accuracy axis or legend entry', () => {
    const svg = renderCurvesSvg([entry(1, 3), entry(2, 2), entry(3, 1.5)], { title: 'r' });
    expect(Object.keys(polylines(svg))).toEqual(['loss']);
    expect(svg).not.toContain('data-legend="accuracy"');
    expect(texts(svg)).not.toContain('100%');
  });

  it('no history: 200-worthy empty axes, no series', () => {
    const svg = renderCurvesSvg([], { title: 'queued job' });
    expect(polylines(svg)).toEqual({});
    expect(svg).toContain('viewBox=');
    expect(texts(svg)).toEqual(expect.arrayContaining(['epoch', 'loss', 'no epochs yet']));
    assertBalanced(svg);
  });

  it('one epoch: a one-vertex line and a dot; a resumed job starts at its own epoch', () => {
    const one = renderCurvesSvg([entry(7, 0.4)], { title: 't' });
    expect(polylines(one).loss).toHaveLength(1);
    expect(one).toMatch(/<circle /);
    const resumed = texts(renderCurvesSvg([entry(11, 0.4), entry(12, 0.3), entry(13, 0.2)], { title: 't' }));
    expect(resumed).toEqual(expect.arrayContaining(['11', '12', '13']));
    expect(resumed).not.toContain('0');
  });

  it('skips values that are not finite numbers (a diverged epoch stored as null) and tolerates extra fields', () => {
    const history = [entry(1, 1), { ...entry(2, null as unknown as number), learningRate: 0.01 }, entry(3, 0.5)] as CurveEntry[];
    const svg = renderCurvesSvg(history, { title: 't' });
    expect(polylines(svg).loss).toHaveLength(2);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('escapes the title', () => {
    const svg = renderCurvesSvg([], { title: '<script>alert("x")</script> & co' });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    assertBalanced(svg);
  });
});

describe('niceScale', () => {
  it('covers the range with 1-2-5 steps', () => {
    expect(niceScale(0.12, 0.93)).toMatchObject({ min: 0, max: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], decimals: 1 });
    expect(niceScale(1, 30, 8, true)).toMatchObject({ min: 0, max: 30, ticks: [0, 5, 10, 15, 20, 25, 30], decimals: 0 });
  });

  it('widens an empty range and keeps integer steps for epochs', () => {
    const flat = niceScale(2, 2);
    expect(flat.min).toBeLessThan(2);
    expect(flat.max).toBeGreaterThan(2);
    expect(niceScale(1, 2, 8, true).ticks.every(Number.isInteger)).toBe(true);
  });
});
