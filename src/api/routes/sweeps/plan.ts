// Turns a POST /v1/sweeps body into the plan of every trial (params, model spec, complete job config),
// validating each trial as POST /v1/models and POST /v1/jobs would: a problem is a 4xx naming
// `/space/<path>` when a parameter caused it (`/base/...` when the base did), and nothing is stored.

import { validateSpec, type ModelSpec } from '../../../engine/index.js';
import { AppError, toHttpError, validationError, type ErrorDetail } from '../../../errors.js';
import type { ModelRecord } from '../../../storage/index.js';
import type { TrialPlan } from '../../../storage/sweep-record.js';
import type { SweepConfig } from '../../../sweeps/config.js';
import { splitPath, withValueAt } from '../../../sweeps/paths.js';
import { gridSize, gridTrials, randomTrials, type TrialParams } from '../../../sweeps/space.js';
import type { AppDeps } from '../../deps.js';
import { issuesToDetails } from '../../schemas/common.js';
import { checkJob } from '../jobs/index.js';
import { createJobBody } from '../jobs/schemas.js';
import type { CreateSweepBody } from './schemas.js';

/** Job fields a sweep sets itself (modelId, datasetId) or that make no sense for a fresh trial. */
const RESERVED = ['modelId', 'datasetId', 'resumeFrom'];
const BODY_FIELDS = Object.keys(createJobBody.shape).filter((field) => !RESERVED.includes(field));

export async function planSweep(body: CreateSweepBody, deps: AppDeps): Promise<{ config: SweepConfig; plans: TrialPlan[] }> {
  const params = drawTrials(body, deps.config.maxSweepTrials);
  const model = await deps.storage.models.get(body.baseModelId);
  const dataset = await deps.storage.datasets.get(body.datasetId);
  for (const field of RESERVED) {
    if (body.base[field] !== undefined && body.base[field] !== null) {
      throw validationError(`base.${field} is not allowed: ${field === 'resumeFrom' ? 'every trial starts fresh' : 'the sweep sets it'}`, [{ path: `/base/${field}`, message: 'not allowed in a sweep' }]);
    }
  }
  for (const path of Object.keys(body.space)) checkPathShape(path, body.base, model.spec);
  const plans: TrialPlan[] = [];
  for (const [index, trial] of params.entries()) plans.push(await planTrial(index, trial, body, model, deps));

  const hasValidation = plans.every((plan) => plan.config.validationSplit > 0 || plan.config.validationDatasetId !== null);
  const metric = body.metric ?? (hasValidation ? 'valLoss' : 'loss');
  if (metric.startsWith('val') && !hasValidation) {
    throw new AppError(422, 'CONFIG_INVALID', `metric ${metric} needs validation data in every trial`, [{ path: '/metric', message: 'needs validationSplit or validationDatasetId in base' }]);
  }
  if (metric.endsWith('ccuracy') && dataset.kind !== 'classification') {
    throw new AppError(422, 'CONFIG_INVALID', `metric ${metric} needs a classification dataset`, [{ path: '/metric', message: 'accuracy is only measured for classification' }]);
  }
  const { trials: _t, metric: _m, ...rest } = body;
  return { config: { ...rest, trials: plans.length, metric }, plans };
}

function drawTrials(body: CreateSweepBody, max: number): TrialParams[] {
  if (body.search === 'grid') {
    for (const [path, domain] of Object.entries(body.space)) {
      if (!('values' in domain)) throw validationError(`grid search takes only {"values": [...]}; ${path} has a range`, [{ path: `/space/${path}`, message: 'a grid needs "values", not a range' }]);
    }
    const size = gridSize(body.space);
    if (size > max) {
      const widest = Object.entries(body.space).sort(([, a], [, b]) => valuesOf(b) - valuesOf(a))[0]?.[0] ?? '';
      throw new AppError(422, 'LIMIT_EXCEEDED', `the grid has ${size} combinations; the limit is ${max} (MAX_SWEEP_TRIALS)`, [{ path: `/space/${widest}`, message: `${size} combinations, at most ${max}` }]);
    }
    if (body.trials !== undefined && body.trials !== size) {
      throw validationError(`a grid has ${size} combinations: omit trials`, [{ path: '/trials', message: `must be omitted (or ${size}) for grid search` }]);
    }
    return gridTrials(body.space);
  }
  if (body.trials === undefined) throw validationError('random search needs trials', [{ path: '/trials', message: 'required for random search' }]);
  if (body.trials > max) throw new AppError(422, 'LIMIT_EXCEEDED', `trials ${body.trials} is over the limit of ${max} (MAX_SWEEP_TRIALS)`, [{ path: '/trials', message: `at most ${max}` }]);
  return randomTrials(body.space, body.trials, body.seed);
}

const valuesOf = (domain: object): number => ('values' in domain ? (domain.values as unknown[]).length : 0);

/** A path must lead into a job field or into the base model's spec (every container on the way existing). */
function checkPathShape(path: string, base: Record<string, unknown>, spec: ModelSpec): void {
  const { target, segments } = splitPath(path);
  const unknown = (why: string) => validationError(`unknown path ${path}: ${why}`, [{ path: `/space/${path}`, message: `unknown path: ${why}` }]);
  if (target === 'body' && !BODY_FIELDS.includes(segments[0] as string)) throw unknown(`a job has no field "${segments[0]}" a sweep may set`);
  if (segments.length === 0 || segments.includes('')) throw unknown('empty segment');
  const doc = target === 'body' ? base : spec;
  if (withValueAt(doc, segments, 0) === null) throw unknown(`it does not lead into the ${target === 'body' ? 'base job body' : "base model's spec"}`);
}

async function planTrial(index: number, params: TrialParams, body: CreateSweepBody, model: ModelRecord, deps: AppDeps): Promise<TrialPlan> {
  let jobBody: unknown = body.base;
  let spec: unknown = model.spec;
  for (const [path, value] of Object.entries(params)) {
    const { target, segments } = splitPath(path);
    if (target === 'body') jobBody = withValueAt(jobBody, segments, value);
    else spec = withValueAt(spec, segments, value);
  }
  const blame = (err: unknown, specError: boolean): never => {
    throw blamed(err, index, params, specError);
  };
  const parsed = createJobBody.safeParse({ ...(jobBody as object), modelId: model.id, datasetId: body.datasetId });
  if (!parsed.success) blame(validationError('invalid trial', issuesToDetails(parsed.error.issues)), false);
  const job = parsed.data as NonNullable<typeof parsed.data>;
  let validated: ReturnType<typeof validateSpec>;
  try {
    validated = validateSpec(spec, deps.config.engineLimits);
  } catch (err) {
    return blame(err, true);
  }
  const config = await checkJob(job, deps, { ...model, spec: validated.spec, summary: validated.summary }).catch((err: unknown) => blame(err, false));
  return { index, params, spec: validated.spec, summary: validated.summary, config };
}

/**
 * The error of one trial, its details re-pointed: to `/space/<path>` when a parameter's path leads to
 * the field (or, for spec errors, to the spec's first parameter), else to `/base/...`.
 */
function blamed(err: unknown, index: number, params: TrialParams, specError: boolean): AppError {
  const http = toHttpError(err);
  if (http.status >= 500) return err as AppError;
  const paths = Object.keys(params);
  const pointerOf = (path: string) => `/${path.split('.').join('/')}`;
  const repoint = (detail: ErrorDetail): ErrorDetail => {
    const at = specError ? `/spec${detail.path === '/' ? '' : detail.path}` : detail.path;
    const owner = paths.find((path) => at === pointerOf(path) || at.startsWith(`${pointerOf(path)}/`))
      ?? (specError ? paths.find((path) => path.startsWith('spec.')) : undefined);
    return { path: owner ? `/space/${owner}` : `/base${at === '/' ? '' : at}`, message: detail.message };
  };
  const details = http.details.length > 0 ? http.details.map(repoint) : [];
  const message = `trial ${index} ${JSON.stringify(params)}: ${http.message}`;
  return new AppError(http.status, http.code, message, details, http.headers);
}
