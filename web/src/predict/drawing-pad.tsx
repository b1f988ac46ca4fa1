// A canvas to draw on with mouse, pen or touch (pointer events), white ink on black, and beside it the
// same drawing at the model's h x w. Reports the h x w ink values while the user draws.

import { useEffect, useRef } from 'preact/hooks';
import { blockAverage, inkFromRgba, padScale } from './ink.js';

const UPDATE_EVERY_MS = 120;
/** Stroke width in model pixels: about an MNIST pen stroke. */
const STROKE = 2.2;

export function DrawingPad({ height, width, onInk }: { height: number; width: number; onInk: (values: Float32Array) => void }) {
  const pad = useRef<HTMLCanvasElement>(null);
  const preview = useRef<HTMLCanvasElement>(null);
  const k = padScale(height, width);
  const onInkRef = useRef(onInk);
  onInkRef.current = onInk;

  const clear = () => {
    const ctx = pad.current?.getContext('2d', { willReadFrequently: true });
    if (!ctx) return;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, width * k, height * k);
    report();
  };

  const report = () => {
    const ctx = pad.current?.getContext('2d', { willReadFrequently: true });
    if (!ctx) return;
    const values = blockAverage(inkFromRgba(ctx.getImageData(0, 0, width * k, height * k).data), width * k, height * k, width, height);
    const small = preview.current?.getContext('2d');
    if (small) {
      const image = small.createImageData(width, height);
      values.forEach((v, i) => image.data.set([v * 255, v * 255, v * 255, 255], i * 4));
      small.putImageData(image, 0, 0);
    }
    onInkRef.current(values);
  };

  useEffect(() => {
    const canvas = pad.current;
    const ctx = canvas?.getContext('2d', { willReadFrequently: true });
    if (!canvas || !ctx) return;
    clear();
    let last: [number, number] | null = null;
    let lastReport = 0;
    const at = (e: PointerEvent): [number, number] => {
      const rect = canvas.getBoundingClientRect();
      return [((e.clientX - rect.left) / rect.width) * canvas.width, ((e.clientY - rect.top) / rect.height) * canvas.height];
    };
    const down = (e: PointerEvent) => {
      canvas.setPointerCapture(e.pointerId);
      last = at(e);
      move(e);
    };
    const move = (e: PointerEvent) => {
      if (!last) return;
      const next = at(e);
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = STROKE * k;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.beginPath();
      ctx.moveTo(...last);
      ctx.lineTo(...next);
      ctx.stroke();
      last = next;
      if (performance.now() - lastReport > UPDATE_EVERY_MS) {
        lastReport = performance.now();
        report();
      }
    };
    const up = () => {
      if (!last) return;
      last = null;
      report();
    };
    canvas.addEventListener('pointerdown', down);
    canvas.addEventListener('pointermove', move);
    canvas.addEventListener('pointerup', up);
    canvas.addEventListener('pointercancel', up);
    return () => {
      canvas.removeEventListener('pointerdown', down);
      canvas.removeEventListener('pointermove', move);
      canvas.removeEventListener('pointerup', up);
      canvas.removeEventListener('pointercancel', up);
    };
  }, [height, width, k]);

  return (
    <div class="drawing">
      <canvas ref={pad} class="pad" width={width * k} height={height * k} role="img" aria-label={`Drawing pad: draw with the mouse, a pen or a finger; it is scaled to ${height} x ${width}`} />
      <div>
        <canvas ref={preview} class="pad-preview" width={width} height={height} role="img" aria-label={`What the model sees: ${height} x ${width} pixels`} />
        <p class="muted">{height} x {width} input</p>
        <button type="button" class="secondary" onClick={clear}>Clear drawing</button>
      </div>
    </div>
  );
}
