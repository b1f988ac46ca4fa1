// The new-job form's optimizer and schedule choices are what the service accepts: every optimizer is
// registered and proposed at torch's default rate, and every schedule the form can send is valid.

import { describe, expect, it } from 'vitest';
import { OPTIMIZERS, validateLrSchedule, validateOptimizerConfig } from '../../src/engine/index.js';
import { clipGradNormField, lrScheduleField, OPTIMIZER_RATES, SCHEDULE_CHOICES, SCHEDULE_PARAMETER } from '../../web/src/jobs/training-options.js';

describe('new-job form choices', () => {
  it('offers every registered optimizer, each at its default learning rate', () => {
    expect(Object.keys(OPTIMIZER_RATES).sort()).toEqual([...OPTIMIZERS.types].sort());
    for (const [type, rate] of Object.entries(OPTIMIZER_RATES)) expect(validateOptimizerConfig({ type }).learningRate).toBe(rate);
  });

  it('sends a valid lrSchedule for every choice with its starting parameter, null for none', () => {
    expect(lrScheduleField('none', '')).toBeNull();
    for (const choice of SCHEDULE_CHOICES.filter((c) => c !== 'none')) {
      for (const epochs of [1, 20]) {
        const field = lrScheduleField(choice, SCHEDULE_PARAMETER[choice as Exclude<typeof choice, 'none'>].initial(epochs));
        expect(validateLrSchedule(field).type).toBe(choice);
      }
    }
  });

  it('an empty clip input is no clipping', () => {
    expect(clipGradNormField(' ')).toBeNull();
    expect(clipGradNormField('0.5')).toBe(0.5);
  });
});
