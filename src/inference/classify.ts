// Turns model outputs into classes: argmax for softmax outputs; for sigmoid outputs a 0/1 per output
// (a single sigmoid output gives a plain 0/1, the binary class). Other activations are not classifiers.

export type ClassValue = number | number[];

export function isClassifier(outputActivation: string): boolean {
  return outputActivation === 'softmax' || outputActivation === 'sigmoid';
}

export function classify(outputs: Float32Array, outputSize: number, outputActivation: string): ClassValue[] | null {
  if (!isClassifier(outputActivation)) return null;
  const count = outputs.length / outputSize;
  const classes: ClassValue[] = [];
  for (let i = 0; i < count; i++) {
    const row = outputs.subarray(i * outputSize, (i + 1) * outputSize);
    if (outputActivation === 'softmax') classes.push(argmax(row));
    else if (outputSize === 1) classes.push(row[0] > 0.5 ? 1 : 0);
    else classes.push(Array.from(row, (p) => (p > 0.5 ? 1 : 0)));
  }
  return classes;
}

/** Class names for classes that are single indices; null when the names do not cover every class. */
export function nameClasses(classes: ClassValue[] | null, classNames: string[] | null): string[] | null {
  if (!classes || !classNames) return null;
  const names: string[] = [];
  for (const c of classes) {
    if (typeof c !== 'number' || classNames[c] === undefined) return null;
    names.push(classNames[c]);
  }
  return names;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
  return best;
}

export function toRows(outputs: Float32Array, outputSize: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < outputs.length; i += outputSize) rows.push(Array.from(outputs.subarray(i, i + outputSize)));
  return rows;
}
