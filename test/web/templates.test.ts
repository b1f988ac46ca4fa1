// The spec editor's templates and layer starters are specs the engine accepts, for the shapes a
// dashboard user meets: digit images, flat features, small images, regression.

import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/engine/index.js';
import { LAYER_STARTERS, TEMPLATES, type TemplateTarget } from '../../web/src/models/templates.js';

const TARGETS: TemplateTarget[] = [
  { inputShape: [28, 28, 1], outputs: 10, kind: 'classification' },
  { inputShape: [8, 8, 1], outputs: 10, kind: 'classification' },
  { inputShape: [4, 4, 3], outputs: 3, kind: 'classification' },
  { inputShape: [784], outputs: 10, kind: 'classification' },
  { inputShape: [2], outputs: 2, kind: 'classification' },
  { inputShape: [5], outputs: 2, kind: 'regression' },
];

describe('spec templates', () => {
  for (const [key, template] of Object.entries(TEMPLATES)) {
    for (const target of TARGETS) {
      it(`${key} for ${JSON.stringify(target)} is valid and ends in the right head`, () => {
        const { summary, spec } = validateSpec(template.build(target));
        expect(summary.outputShape).toEqual([target.outputs]);
        expect(summary.inputShape.reduce((a, b) => a * b, 1)).toBe(target.inputShape.reduce((a, b) => a * b, 1));
        expect(spec.loss).toBe(target.kind === 'classification' ? 'categoricalCrossentropy' : 'mse');
      });
    }
  }

  it('every layer starter is a valid layer', () => {
    for (const [type, layer] of Object.entries(LAYER_STARTERS)) {
      const input = ['dense'].includes(type) ? [4] : [8, 8, 2];
      expect(() => validateSpec({ input, layers: [layer], loss: 'mse' }), type).not.toThrow();
    }
  });
});
