// Storage types and shape arithmetic: the bottom of the engine (it imports nothing). Models compute
// in float32 (the product); float64 exists so gradient checks can use finite differences without
// float32 rounding noise.

export type Precision = 'float32' | 'float64';
export type Float = Float32Array | Float64Array;
export type Shape = readonly number[];

/** Elements of a tensor of this shape (1 for a scalar's empty shape). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return shape.join('x');
}
