// Class counts of a dataset as horizontal bars, each labelled with its class name and count.

export function ClassHistogram({ counts, names }: { counts: number[]; names: string[] | null }) {
  const max = Math.max(1, ...counts);
  return (
    <figure class="histogram" aria-label="Class histogram">
      <figcaption>Samples per class</figcaption>
      {counts.map((count, i) => (
        <div class="bar-row" key={i}>
          <span class="bar-label">{names?.[i] ?? `class ${i}`}</span>
          <span class="bar-track" role="img" aria-label={`${names?.[i] ?? `class ${i}`}: ${count} samples`}>
            <span class="bar-fill" style={{ width: `${(count / max) * 100}%` }} />
          </span>
          <span class="bar-value">{count}</span>
        </div>
      ))}
    </figure>
  );
}
