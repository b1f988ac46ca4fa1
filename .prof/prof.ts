import { createNativeKernel, setKernel, Trainer } from '/work/wt/native/src/engine/index.js';
import { loadNative } from '/work/wt/native/src/native/load-native.js';
import { CNN_SPEC, loadMnist, MLP_SPEC } from '/work/wt/native/test/helpers/mnist.js';
const { binding } = loadNative();
if (process.env.K !== 'wasm') setKernel(createNativeKernel(binding!));
const { train } = loadMnist();
const spec = process.env.SPEC === 'mlp' ? MLP_SPEC : CNN_SPEC;
const bs = process.env.SPEC === 'mlp' ? 64 : 32;
const t = Trainer.create(spec, { seed: 1, optimizer: { type: 'adam', learningRate: 0.001 } });
const count = bs * 16;
const subset = { inputs: train.inputs.subarray(0, count * 784), labels: train.labels.subarray(0, count), count };
const start = performance.now(); let n = 0;
while (performance.now() - start < 4000) { await t.fit(subset, { epochs: 1, batchSize: bs }); n += count; }
console.log(spec === MLP_SPEC ? 'mlp' : 'cnn', (n / ((performance.now() - start) / 1000)).toFixed(0), 'samples/s');
