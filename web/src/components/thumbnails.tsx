// Dataset rows of [h, w, c] inputs drawn as small images on canvases (no data: or blob: URLs needed),
// scaled from the dataset's value range to 0-255; c = 1 is greyscale, c = 3 RGB, others show channel 0.
import { useEffect, useRef } from 'preact/hooks';

interface Props {
  rows: number[][];
  shape: number[];
  range: { min: number; max: number };
  captions: string[];
}

export function Thumbnails({ rows, shape, range, captions }: Props) {
  return (
    <div class="thumbnails">
      {rows.map((row, i) => (
        <figure key={i}>
          <Thumbnail row={row} shape={shape} range={range} label={captions[i]} />
          <figcaption>{captions[i]}</figcaption>
        </figure>
      ))}
    </div>
  );
}

function Thumbnail({ row, shape, range, label }: { row: number[]; shape: number[]; range: Props['range']; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [h, w, c] = shape;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(w, h);
    const span = range.max - range.min || 1;
    const byte = (v: number) => Math.round(((v - range.min) / span) * 255);
    for (let p = 0; p < h * w; p++) {
      const rgb = c === 3 ? [row[p * 3], row[p * 3 + 1], row[p * 3 + 2]] : [row[p * c], row[p * c], row[p * c]];
      image.data.set([byte(rgb[0]), byte(rgb[1]), byte(rgb[2]), 255], p * 4);
    }
    ctx.putImageData(image, 0, 0);
  }, [row, h, w, c, range.min, range.max]);
  return <canvas ref={ref} width={w} height={h} class="thumbnail" role="img" aria-label={`sample image, ${label}`} />;
}
