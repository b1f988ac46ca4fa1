// Evaluation in inference mode (dropout off): mean loss, accuracy and, for classifiers, a
// confusion matrix (rows: true class, columns: predicted class).

import { allocate } from './allocate.js';
import type { TrainingData } from './fit.js';
import { argmax } from './losses.js';
import type { Model } from './model.js';
import { BatchBuffers, prepareData, type PreparedData } from './training-data.js';

export interface Evaluation {
  loss: number;
  accuracy: number | null;
  confusionMatrix: number[][] | null;
  count: number;
}

export function evaluate(model: Model, data: TrainingData, batchSize = 256): Evaluation {
  return evaluatePrepared(model, prepareData(model, data), batchSize, true);
}

export function evaluatePrepared(model: Model, data: PreparedData, batchSize: number, withConfusion: boolean): Evaluation {
  const width = model.outputSize;
  const size = Math.min(batchSize, data.count);
  const buffers = new BatchBuffers(model, size, data);
  const grad = allocate(model.precision, size * width);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  const classes = model.spec.loss === 'categoricalCrossentropy' ? width : model.spec.loss === 'binaryCrossentropy' && width === 1 ? 2 : 0;
  const confusion = withConfusion && classes > 0 ? Array.from({ length: classes }, () => new Array<number>(classes).fill(0)) : null;
  const last = model.layers[model.layers.length - 1];
  let lossSum = 0;
  let correct = 0;
  let judged = 0;
  for (let start = 0; start < data.count; start += size) {
    const batch = Math.min(size, data.count - start);
    buffers.gather(order, start, batch);
    const y = model.forward(buffers.inputs, batch);
    lossSum += model.loss.compute(y, last.preActivation ?? y, buffers.targets, batch, width, grad) * batch;
    const counted = model.loss.countCorrect(y, buffers.targets, batch, width);
    if (counted) {
      correct += counted[0];
      judged += counted[1];
    }
    if (confusion) {
      for (let s = 0; s < batch; s++) {
        const truth = classes === 2 && width === 1 ? (buffers.targets.values![s] > 0.5 ? 1 : 0)
          : buffers.targets.labels ? buffers.targets.labels[s] : argmax(buffers.targets.values!, s * width, width);
        const predicted = classes === 2 && width === 1 ? (y[s] > 0.5 ? 1 : 0) : argmax(y, s * width, width);
        confusion[truth][predicted]++;
      }
    }
  }
  return { loss: lossSum / data.count, accuracy: judged > 0 ? correct / judged : null, confusionMatrix: confusion, count: data.count };
}
