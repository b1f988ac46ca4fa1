// A confusion matrix (`confusionMatrix[actual][predicted]`) as a table whose cells are shaded by their
// share of the actual class's row: the diagonal is what the model gets right.

export function ConfusionHeatmap({ matrix, names }: { matrix: number[][]; names: string[] | null }) {
  const name = (i: number) => names?.[i] ?? String(i);
  return (
    <table class="heatmap" aria-label="Confusion matrix: rows are actual classes, columns predicted classes">
      <thead>
        <tr>
          <th scope="col">actual \ predicted</th>
          {matrix.map((_, j) => <th scope="col" key={j}>{name(j)}</th>)}
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, i) => {
          const total = row.reduce((a, b) => a + b, 0) || 1;
          return (
            <tr key={i}>
              <th scope="row">{name(i)}</th>
              {row.map((count, j) => {
                const share = count / total;
                return (
                  <td
                    key={j}
                    class={i === j ? 'diagonal' : undefined}
                    title={`actual ${name(i)}, predicted ${name(j)}: ${count}`}
                    style={{ background: count === 0 ? undefined : `rgba(${i === j ? '31, 111, 180' : '196, 42, 42'}, ${0.12 + share * 0.8})`, color: share > 0.55 ? '#fff' : undefined }}
                  >
                    {count}
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
