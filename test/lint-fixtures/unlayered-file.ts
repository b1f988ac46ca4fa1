// Lint fixture (linted as src/sweeps/space.ts): a file in a folder of src/ that no layer lists. It
// must be reported until lint/import-layers.js gives the folder its place in the order.
export const SPACE = [0.1, 0.01];
