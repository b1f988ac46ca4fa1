// classify: softmax argmax, sigmoid thresholds (scalar for one output, per output otherwise), and
// class names only when every class is a single named index.

import { describe, expect, it } from 'vitest';
import { classify, nameClasses, toRows } from '../../src/inference/classify.js';

describe('classify', () => {
  it('takes the argmax of softmax rows', () => {
    expect(classify(new Float32Array([0.1, 0.7, 0.2, 0.5, 0.3, 0.2]), 3, 'softmax')).toEqual([1, 0]);
  });

  it('thresholds sigmoid outputs at 0.5', () => {
    expect(classify(new Float32Array([0.2, 0.9]), 1, 'sigmoid')).toEqual([0, 1]);
    expect(classify(new Float32Array([0.2, 0.9, 0.6, 0.4]), 2, 'sigmoid')).toEqual([[0, 1], [1, 0]]);
  });

  it('returns null for regression outputs', () => {
    expect(classify(new Float32Array([1.5]), 1, 'linear')).toBeNull();
  });

  it('names classes when it can', () => {
    expect(nameClasses([1, 0], ['cat', 'dog'])).toEqual(['dog', 'cat']);
    expect(nameClasses([[0, 1]], ['a', 'b'])).toBeNull();
    expect(nameClasses([2], ['a', 'b'])).toBeNull();
    expect(nameClasses([0], null)).toBeNull();
  });

  it('splits outputs into rows', () => {
    expect(toRows(new Float32Array([1, 2, 3, 4]), 2)).toEqual([[1, 2], [3, 4]]);
  });
});
