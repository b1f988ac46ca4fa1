// The registries' declarations are what the engine does: for every layer type, optimizer and schedule, each
// declared default is what validation fills in, each required field is required, each declared
// choice is accepted and nothing else is. (The openapi drift test compares these declarations with
// openapi.yaml, so they must be true.)

import { describe, expect, it } from 'vitest';
import { EngineError, LAYERS, LAYER_TYPES, LR_SCHEDULES, OPTIMIZERS, validateLrSchedule, validateOptimizerConfig, validateSpec, type FieldSchema } from '../../src/engine/index.js';

/** The smallest valid spec of each layer type, and an input it fits. */
const MINIMAL: Record<string, { input: number[]; layer: Record<string, unknown> }> = {
  dense: { input: [4], layer: { units: 2 } },
  conv2d: { input: [6, 6, 2], layer: { filters: 2, kernelSize: 3 } },
  maxPool2d: { input: [6, 6, 2], layer: { poolSize: 2 } },
  avgPool2d: { input: [6, 6, 2], layer: { poolSize: 2 } },
  flatten: { input: [2, 2, 1], layer: {} },
  dropout: { input: [4], layer: { rate: 0.5 } },
  activation: { input: [4], layer: { activation: 'relu' } },
  batchNorm: { input: [3, 3, 2], layer: {} },
  normalize: { input: [4], layer: {} },
};
/** Fields that only apply alongside another: alpha is leakyRelu's slope. */
const ALONGSIDE: Record<string, Record<string, unknown>> = { alpha: { activation: 'leakyRelu' } };

function layerSpec(type: string, layer: Record<string, unknown>) {
  return { input: MINIMAL[type].input, layers: [{ type, ...layer }], loss: 'mse' };
}

function rejection(run: () => unknown): EngineError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('accepted');
}

/** Values a field declares as valid choices (enum words), for checking each one is accepted. */
const choices = (field: FieldSchema): readonly string[] => (field.kind === 'enum' || field.kind === 'enumOrInteger' ? field.values : []);

describe('layer entries', () => {
  it('the table above covers every registered layer type', () => {
    expect(Object.keys(MINIMAL).sort()).toEqual([...LAYER_TYPES].sort());
  });

  for (const entry of LAYERS.entries) {
    const { type } = entry;
    it(`${type}: declared defaults are filled in, required fields are required, declared choices are the accepted ones`, () => {
      for (const [name, field] of Object.entries(entry.fields)) {
        const { [name]: _omitted, ...rest } = { ...MINIMAL[type].layer, ...ALONGSIDE[name] };
        const at = `/layers/0/${name}`;
        if (field.required) {
          expect(rejection(() => validateSpec(layerSpec(type, rest))).details[0].path, `${type}.${name} required`).toBe(at);
        } else {
          const normalized = validateSpec(layerSpec(type, rest)).spec.layers[0] as unknown as Record<string, unknown>;
          if (field.default !== undefined) expect(normalized[name], `${type}.${name} default`).toEqual(field.default);
          else expect(field.defaultFrom, `${type}.${name}: no default, so the rule that fills it is described`).toBeTruthy();
        }
        for (const choice of choices(field)) {
          const normalized = validateSpec(layerSpec(type, { ...rest, [name]: choice })).spec.layers[0] as unknown as Record<string, unknown>;
          expect(normalized[name], `${type}.${name} = ${choice}`).toBe(choice);
        }
        if (field.kind !== 'number' && field.kind !== 'integer') {
          expect(rejection(() => validateSpec(layerSpec(type, { ...rest, [name]: 'surely-not-a-choice' }))).details[0].path).toBe(at);
        }
      }
      expect(rejection(() => validateSpec(layerSpec(type, { ...MINIMAL[type].layer, unknownField: 1 }))).details[0].path).toBe('/layers/0/unknownField');
    });
  }
});

describe('optimizer entries', () => {
  for (const entry of OPTIMIZERS.entries) {
    it(`${entry.type}: every field has a declared default, and the config of the type alone is exactly those defaults`, () => {
      const defaults = Object.fromEntries(Object.entries(entry.fields).map(([name, field]) => [name, field.default]));
      expect(Object.values(defaults).every((v) => v !== undefined)).toBe(true);
      expect(validateOptimizerConfig({ type: entry.type })).toEqual({ type: entry.type, ...defaults });
      expect(entry.fields).toHaveProperty('learningRate');
      const unknown = rejection(() => validateOptimizerConfig({ type: entry.type, unknownField: 1 }));
      expect(unknown.code).toBe('CONFIG_INVALID');
      expect(unknown.details[0].path).toBe('/optimizer/unknownField');
    });
  }
});

describe('lrSchedule entries', () => {
  /** The smallest valid config of each schedule type. */
  const MINIMAL_SCHEDULES: Record<string, Record<string, unknown>> = {
    step: { stepSize: 2 }, exponential: { gamma: 0.9 }, cosine: { tMax: 5 }, reduceOnPlateau: {},
  };

  it('the table covers every registered schedule type', () => {
    expect(Object.keys(MINIMAL_SCHEDULES).sort()).toEqual([...LR_SCHEDULES.types].sort());
  });

  for (const entry of LR_SCHEDULES.entries) {
    it(`${entry.type}: declared defaults are filled in, required fields are required, declared choices are the accepted ones`, () => {
      const minimal = MINIMAL_SCHEDULES[entry.type];
      for (const [name, field] of Object.entries(entry.fields)) {
        const { [name]: _omitted, ...rest } = minimal;
        const at = `/lrSchedule/${name}`;
        if (field.required) {
          expect(rejection(() => validateLrSchedule({ type: entry.type, ...rest })).details[0].path, `${entry.type}.${name} required`).toBe(at);
        } else {
          const config = validateLrSchedule({ type: entry.type, ...rest }) as unknown as Record<string, unknown>;
          if (field.default !== undefined) expect(config[name], `${entry.type}.${name} default`).toEqual(field.default);
          else expect(field.defaultFrom, `${entry.type}.${name}: no default, so the rule that fills it is described`).toBeTruthy();
        }
        for (const choice of choices(field)) expect((validateLrSchedule({ type: entry.type, ...rest, [name]: choice }) as unknown as Record<string, unknown>)[name]).toBe(choice);
      }
      expect(rejection(() => validateLrSchedule({ type: entry.type, ...minimal, unknownField: 1 })).details[0].path).toBe('/lrSchedule/unknownField');
    });
  }
});
