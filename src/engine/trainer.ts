// The trainer: a model, its optimizer and the whole training state (epoch, step, PRNG, history,
// early stopping). fit() runs the loop; checkpoint() serialises everything so that training 2
// epochs, saving, loading and training 2 more is bit-identical to training 4 epochs straight.

import { checkBatchActivationMemory } from './activation-memory.js';
import { allocate } from './allocate.js';
import { EarlyStopping, type EarlyStoppingState } from './early-stopping.js';
import { EngineError } from './errors.js';
import { evaluatePrepared } from './evaluate.js';
import type { EpochMetrics, FitConfig, FitResult, TrainingData } from './fit.js';
import { getKernel } from './kernels/kernel.js';
import type { LayerRegistry } from './layers/registry.js';
import { Model } from './model.js';
import { clipGradNorm } from './clip-grad-norm.js';
import { OptimizerSnapshot, optimizerTensorName, restoreOptimizerState } from './optimizers/optimizer-state.js';
import { createOptimizer, OPTIMIZERS, type ConfiguredOptimizer, type OptimizerConfig, type ResolvedOptimizerConfig } from './optimizers/registry.js';
import { Rng, type RngState } from './random.js';
import { createLrSchedule, validateLrSchedule, type LrScheduleConfig } from './schedules/registry.js';
import type { LrSchedule, ScheduleState } from './schedules/schedule.js';
import { decodeCheckpoint, encodeCheckpoint } from './serialize.js';
import type { ModelLimits, ModelSpec } from './spec.js';
import type { Float, Precision } from './tensor.js';
import { BatchBuffers, prepareData, splitValidation, type PreparedData } from './training-data.js';

export interface TrainerOptions {
  seed: number;
  optimizer: OptimizerConfig;
  /** Stepped once after every epoch (none: a constant rate). */
  lrSchedule?: LrScheduleConfig | null;
  limits?: Partial<ModelLimits>;
  precision?: Precision;
  /** The layer types the spec may use (default: the built-in ones). */
  layers?: LayerRegistry;
}

/** Running sums of the epoch in progress (kept so a mid-epoch resume reports the same metrics). */
interface EpochProgress {
  lossSum: number;
  correct: number;
  judged: number;
  samples: number;
  seconds: number;
}

/** Everything but the tensors, as stored in a checkpoint's metadata. */
interface TrainerState {
  spec: ModelSpec;
  precision: Precision;
  seed: number;
  optimizer: ResolvedOptimizerConfig;
  optimizerStep: number;
  /** The optimizer's state slots stored as tensors (absent in checkpoints written before it was recorded). */
  optimizerSlots?: string[];
  epoch: number;
  step: number;
  rng: RngState;
  epochRng: RngState | null;
  progress: EpochProgress;
  history: EpochMetrics[];
  earlyStopping: EarlyStoppingState;
  hasBestWeights: boolean;
  /** Whether layers with an `adapt` step have had it (absent in older checkpoints: they had no such layers). */
  adapted?: boolean;
  /** Threads the arithmetic was split over; part of the determinism contract. */
  threads: number;
  /** The matrix-multiply kernel the arithmetic ran on (another kernel rounds differently). */
  kernel: string;
  /** Every resume on another kernel or thread count than the checkpoint's (absent in older checkpoints). */
  kernelSwitches?: KernelSwitch[];
  /** The rate the next step uses (absent in older checkpoints: the optimizer config's). */
  learningRate?: number;
  /** The schedule and its state (absent in older checkpoints: none). */
  lrSchedule?: { config: LrScheduleConfig; state: ScheduleState } | null;
}

/**
 * A resume that continued on another kernel or thread count than the checkpoint recorded: the
 * run goes on (checkpoints stay portable across machines and upgrades) but it is no longer
 * bit-identical to an uninterrupted run, so the switch is recorded where it happened.
 */
export interface KernelSwitch {
  /** Completed epochs and the step within the next one at the switch. */
  epoch: number;
  step: number;
  from: { kernel: string; threads: number };
  to: { kernel: string; threads: number };
}

/** How checkpoints and resumes handle the learning-rate schedule (see fromCheckpoint). */
export interface ResumeOptions {
  optimizer?: OptimizerConfig;
  lrSchedule?: LrScheduleConfig | null;
  /**
   * Start the schedule afresh from the optimizer's base rate (epoch 0) instead of restoring it.
   * Default: true when `optimizer` or `lrSchedule` is given, as a resumed job that sends its own does.
   */
  restartSchedule?: boolean;
  limits?: Partial<ModelLimits>;
  layers?: LayerRegistry;
}

/** Training runs on one thread (the count checkpoints record). */
const THREADS = 1;

const emptyProgress = (): EpochProgress => ({ lossSum: 0, correct: 0, judged: 0, samples: 0, seconds: 0 });
const now = () => globalThis.performance.now();

export class Trainer {
  private optimizer: ConfiguredOptimizer;
  private rng: Rng;
  private epochRng: RngState | null = null;
  private step = 0;
  private progress = emptyProgress();
  private early: EarlyStoppingState = { best: null, bestEpoch: null, wait: 0 };
  /** Every state tensor (parameters and buffers) of the best epoch, for restoreBest. */
  private bestWeights: Float[] | null = null;
  private completedEpochs = 0;
  private readonly pastEpochs: EpochMetrics[] = [];
  private schedule: { config: LrScheduleConfig; schedule: LrSchedule } | null = null;
  private switches: KernelSwitch[] = [];
  /** The kernel and thread count the arithmetic so far ran on (null before any training). */
  private ranOn: { kernel: string; threads: number } | null = null;

  /**
   * @param adapted false for a new model: its first fit sets data-derived buffers (Layer.adapt)
   *   from the training data; a resumed or imported one keeps the buffers it came with.
   */
  private constructor(readonly model: Model, readonly seed: number, optimizer: OptimizerConfig, lrSchedule: LrScheduleConfig | null, private adapted: boolean) {
    this.optimizer = createOptimizer(optimizer, model.precision);
    this.rng = new Rng(seed, 'training');
    this.startSchedule(lrSchedule);
  }

  /** A fresh schedule (epoch 0) from the optimizer's base rate. */
  private startSchedule(raw: LrScheduleConfig | null): void {
    this.optimizer.learningRate = this.optimizer.config.learningRate;
    if (raw === null) {
      this.schedule = null;
      return;
    }
    const config = validateLrSchedule(raw);
    this.schedule = { config, schedule: createLrSchedule(config, this.optimizer.config.learningRate) };
  }

  static create(spec: unknown, options: TrainerOptions): Trainer {
    const model = Model.build(spec, { seed: options.seed, limits: options.limits, precision: options.precision, layers: options.layers });
    return new Trainer(model, options.seed, options.optimizer, options.lrSchedule ?? null, false);
  }

  /** Imported weights: no optimizer or PRNG state, so both start fresh from the seed. */
  static fromWeights(spec: unknown, safetensors: Uint8Array, options: TrainerOptions): Trainer {
    const trainer = Trainer.create(spec, options);
    trainer.model.loadWeights(safetensors);
    trainer.adapted = true;
    return trainer;
  }

  /**
   * Restores the whole state. A different optimizer type starts that optimizer fresh; the same type
   * keeps its state, which must match the optimizer's slots exactly (CHECKPOINT_INVALID otherwise).
   * The learning-rate schedule and current rate are restored, unless `restartSchedule` (by default
   * when an optimizer or schedule is given) or another optimizer type starts the schedule afresh.
   * A checkpoint from another kernel or thread count resumes, and its first fit records the switch
   * (`kernelSwitches`, in later checkpoints too).
   */
  static fromCheckpoint(bytes: Uint8Array, options: ResumeOptions = {}): Trainer {
    const { state, tensors } = decodeCheckpoint<TrainerState>(bytes);
    const model = Model.build(state.spec, { precision: state.precision, limits: options.limits, layers: options.layers });
    const savedSchedule = state.lrSchedule ?? null;
    const lrSchedule = options.lrSchedule === undefined ? savedSchedule?.config ?? null : options.lrSchedule;
    const trainer = new Trainer(model, state.seed, options.optimizer ?? state.optimizer, lrSchedule, state.adapted ?? true);
    const restart = options.restartSchedule ?? (options.optimizer !== undefined || options.lrSchedule !== undefined);
    if (!restart && trainer.optimizer.config.type === state.optimizer.type) {
      trainer.optimizer.learningRate = state.learningRate ?? state.optimizer.learningRate;
      if (trainer.schedule && savedSchedule && savedSchedule.config.type === trainer.schedule.config.type) trainer.schedule.schedule.setState(savedSchedule.state);
    }
    trainer.switches = [...(state.kernelSwitches ?? [])];
    trainer.ranOn = { kernel: state.kernel, threads: state.threads };
    model.loadState(tensors, 'state.');
    if (trainer.optimizer.config.type === state.optimizer.type) {
      const saved = { type: state.optimizer.type, step: state.optimizerStep, slots: state.optimizerSlots };
      const keeps = OPTIMIZERS.get(saved.type).slots(state.optimizer);
      const parameters = model.parameters.map(({ name, param }) => ({ name, length: param.value.length }));
      trainer.optimizer.setState(restoreOptimizerState(saved, keeps, tensors, parameters));
    }
    trainer.completedEpochs = state.epoch;
    trainer.step = state.step;
    trainer.rng = Rng.fromState(state.rng);
    trainer.epochRng = state.epochRng;
    trainer.progress = state.progress;
    trainer.pastEpochs.push(...state.history);
    trainer.early = state.earlyStopping;
    if (state.hasBestWeights) trainer.bestWeights = model.readState(tensors, 'best.');
    return trainer;
  }

  /** Completed epochs. */
  get epoch(): number {
    return this.completedEpochs;
  }

  get history(): EpochMetrics[] {
    return [...this.pastEpochs];
  }

  exportWeights(): Uint8Array {
    return this.model.exportWeights();
  }

  /** The rate the next step uses. */
  get learningRate(): number {
    return this.optimizer.learningRate;
  }

  /** Resumes on another kernel or thread count, over this trainer's whole checkpoint chain. */
  get kernelSwitches(): KernelSwitch[] {
    return this.switches.map((s) => ({ ...s }));
  }

  checkpoint(): Uint8Array {
    const optimizerState = this.optimizer.getState();
    const state: TrainerState = {
      spec: this.model.spec,
      precision: this.model.precision,
      seed: this.seed,
      optimizer: this.optimizer.config,
      optimizerStep: optimizerState.step,
      optimizerSlots: Object.keys(optimizerState.slots),
      epoch: this.completedEpochs,
      step: this.step,
      rng: this.rng.getState(),
      epochRng: this.epochRng,
      progress: this.progress,
      history: this.pastEpochs,
      earlyStopping: this.early,
      hasBestWeights: this.bestWeights !== null,
      adapted: this.adapted,
      threads: this.ranOn?.threads ?? THREADS,
      kernel: this.ranOn?.kernel ?? getKernel().name,
      kernelSwitches: this.switches,
      learningRate: this.optimizer.learningRate,
      lrSchedule: this.schedule ? { config: this.schedule.config, state: this.schedule.schedule.getState() } : null,
    };
    const tensors: [string, Float][] = [];
    let parameterIndex = 0;
    this.model.state.forEach(({ name, tensor }, i) => {
      tensors.push([`state.${name}`, tensor.value]);
      if (tensor.role === 'parameter') {
        for (const [slot, buffers] of Object.entries(optimizerState.slots)) tensors.push([optimizerTensorName(name, slot), buffers[parameterIndex]]);
        parameterIndex++;
      }
      if (this.bestWeights) tensors.push([`best.${name}`, this.bestWeights[i]]);
    });
    return encodeCheckpoint(state, tensors);
  }

  async fit(data: TrainingData, config: FitConfig): Promise<FitResult> {
    const { epochs, batchSize } = checkFitConfig(config);
    if (config.maxActivationBytes !== undefined) checkBatchActivationMemory(this.model.activationBytesPerSample, batchSize, config.maxActivationBytes);
    let train = prepareData(this.model, data);
    let validation: PreparedData | null = config.validationData ? prepareData(this.model, config.validationData, 'validationData') : null;
    if (!validation && config.validationSplit) [train, validation] = splitValidation(train, config.validationSplit, this.seed);
    const monitor = config.earlyStopping?.monitor ?? (validation ? 'valLoss' : 'loss');
    if (!validation && monitor.startsWith('val')) {
      throw new EngineError('CONFIG_INVALID', `earlyStopping monitors ${monitor} but there is no validation data`, [{ path: '/earlyStopping/monitor', message: 'needs validation data' }]);
    }
    const early = config.earlyStopping ? new EarlyStopping({ ...config.earlyStopping, monitor }, this.early) : null;
    const scheduleMonitor = this.schedule?.config.type === 'reduceOnPlateau' ? this.schedule.config.monitor : undefined;
    if (!validation && scheduleMonitor?.startsWith('val')) {
      throw new EngineError('CONFIG_INVALID', `lrSchedule monitors ${scheduleMonitor} but there is no validation data`, [{ path: '/lrSchedule/monitor', message: 'needs validation data' }]);
    }
    this.recordKernel();
    if (!this.adapted) {
      this.model.adapt(train.inputs, train.count);
      this.adapted = true;
    }

    const width = this.model.outputSize;
    const steps = Math.ceil(train.count / batchSize);
    const lastEpoch = this.completedEpochs + epochs;
    const buffers = new BatchBuffers(this.model, Math.min(batchSize, train.count), train);
    const grad = allocate(this.model.precision, Math.min(batchSize, train.count) * width);
    const order = new Int32Array(train.count);
    const last = this.model.layers[this.model.layers.length - 1];
    const params = this.model.parameters.map((p) => p.param);
    // The weights before each update: a finite gradient can still overflow a weight (float32), and the
    // divergence guard promises the last finite weights (and the buffers that go with them).
    const previous = params.map((p) => allocate(this.model.precision, p.value.length));
    // ... and the optimizer's state (moments, step count) that goes with them.
    const optimizerBefore = new OptimizerSnapshot();
    const grads = params.map((p) => p.grad);
    const values = params.map((p) => p.value);
    // Early stopping's best weights are the whole state: buffers (running statistics) go with the weights.
    const stateValues = this.model.state.map(({ tensor }) => tensor.value);
    // Buffers change in the forward pass: kept from before it, so a step that diverges leaves no trace.
    const bufferValues = this.model.state.flatMap(({ tensor }) => (tensor.role === 'buffer' ? [tensor.value] : []));
    const buffersBefore = bufferValues.map((v) => v.slice());
    const divergence = (epoch: number, why: string) => {
      bufferValues.forEach((v, i) => v.set(buffersBefore[i]));
      return this.diverged(epoch, why);
    };
    const ctx = { training: true, rng: this.rng };
    let samplesSeen = 0;
    let stoppedEarly = false;

    while (this.completedEpochs < lastEpoch && !stoppedEarly) {
      const epochNumber = this.completedEpochs + 1;
      this.orderEpoch(order, config.shuffle ?? true);
      let started = now();
      for (; this.step < steps; ) {
        if (config.signal?.aborted) {
          this.progress.seconds += (now() - started) / 1000;
          throw new EngineError('CANCELLED', `training cancelled at epoch ${epochNumber}, step ${this.step}`, [], );
        }
        const start = this.step * batchSize;
        const size = Math.min(batchSize, train.count - start);
        buffers.gather(order, start, size);
        ctx.rng = this.rng;
        bufferValues.forEach((v, i) => buffersBefore[i].set(v));
        const y = this.model.forward(buffers.inputs, size, ctx);
        const loss = this.model.loss.compute(y, last.preActivation ?? y, buffers.targets, size, width, grad);
        if (!Number.isFinite(loss)) throw divergence(epochNumber, `loss is ${loss}`);
        this.model.backward(grad, size, this.model.loss.fused);
        if (!allFinite(grads)) throw divergence(epochNumber, 'a gradient is not finite');
        if (config.clipGradNorm !== undefined) clipGradNorm(grads, config.clipGradNorm);
        values.forEach((v, i) => previous[i].set(v));
        optimizerBefore.capture(this.optimizer.getState());
        this.optimizer.step(params);
        if (!allFinite(values)) {
          values.forEach((v, i) => v.set(previous[i]));
          this.optimizer.setState(optimizerBefore.restore());
          throw divergence(epochNumber, 'the update made a weight non-finite');
        }
        const counted = this.model.loss.countCorrect(y, buffers.targets, size, width);
        this.progress.lossSum += loss * size;
        this.progress.samples += size;
        if (counted) {
          this.progress.correct += counted[0];
          this.progress.judged += counted[1];
        }
        this.step++;
        samplesSeen += size;
        if (config.onBatchEnd) {
          this.progress.seconds += (now() - started) / 1000;
          await config.onBatchEnd({ epoch: epochNumber, epochs: lastEpoch, step: this.step, steps, loss, samplesSeen });
          started = now();
        }
      }
      this.progress.seconds += (now() - started) / 1000;
      const metrics = this.finishEpoch(epochNumber, validation);
      if (early) {
        if (early.update(metrics) && config.earlyStopping?.restoreBest) this.bestWeights = stateValues.map((v) => v.slice());
        stoppedEarly = early.shouldStop;
        if (stoppedEarly && config.earlyStopping?.restoreBest && this.bestWeights) {
          stateValues.forEach((v, i) => v.set(this.bestWeights![i]));
        }
      }
      await config.onEpochEnd?.(metrics);
    }
    return { history: this.history, stoppedEarly, bestEpoch: this.early.bestEpoch };
  }

  /** Notes a switch when this fit runs on another kernel or thread count than the training so far. */
  private recordKernel(): void {
    const here = { kernel: getKernel().name, threads: THREADS };
    const before = this.ranOn;
    if (before && (before.kernel !== here.kernel || before.threads !== here.threads)) {
      this.switches.push({ epoch: this.completedEpochs, step: this.step, from: before, to: here });
    }
    this.ranOn = here;
  }

  /** The epoch's sample order, regenerated from the PRNG state at the epoch's start when resuming mid-epoch. */
  private orderEpoch(order: Int32Array, shuffle: boolean): void {
    for (let i = 0; i < order.length; i++) order[i] = i;
    // epochRng is already set at step 0 when the epoch was cancelled before its first batch: the
    // PRNG has moved past that shuffle, so replay it rather than shuffling a second time.
    if (this.step === 0 && this.epochRng === null) {
      this.epochRng = this.rng.getState();
      if (shuffle) this.rng.shuffle(order);
      return;
    }
    if (shuffle && this.epochRng) Rng.fromState(this.epochRng).shuffle(order);
  }

  private finishEpoch(epoch: number, validation: PreparedData | null): EpochMetrics {
    const p = this.progress;
    const val = validation ? evaluatePrepared(this.model, validation, 256, false) : null;
    const metrics: EpochMetrics = {
      epoch,
      loss: p.lossSum / p.samples,
      accuracy: p.judged > 0 ? p.correct / p.judged : null,
      valLoss: val ? val.loss : null,
      valAccuracy: val ? val.accuracy : null,
      seconds: p.seconds,
      learningRate: this.optimizer.learningRate,
    };
    // After the epoch, as torch's scheduler.step(); a checkpoint taken in onEpochEnd holds the next rate.
    if (this.schedule) this.optimizer.learningRate = this.schedule.schedule.next(metrics.learningRate, metrics);
    this.pastEpochs.push(metrics);
    this.completedEpochs = epoch;
    this.step = 0;
    this.epochRng = null;
    this.progress = emptyProgress();
    return metrics;
  }

  private diverged(epoch: number, why: string): EngineError {
    return new EngineError('DIVERGED', `training diverged at epoch ${epoch}, step ${this.step + 1}: ${why}; the weights are kept at their last finite values`);
  }
}

function checkFitConfig(config: FitConfig): { epochs: number; batchSize: number } {
  const check = (field: string, ok: boolean, expected: string, value: unknown) => {
    if (!ok) throw new EngineError('CONFIG_INVALID', `${field} must be ${expected}, received ${JSON.stringify(value)}`, [{ path: `/${field}`, message: `must be ${expected}` }]);
  };
  const { epochs, batchSize, validationSplit } = config;
  check('epochs', Number.isInteger(epochs) && epochs >= 1 && epochs <= 1_000_000, 'an integer from 1 to 1000000', epochs);
  check('batchSize', Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 1_000_000, 'an integer from 1 to 1000000', batchSize);
  if (validationSplit !== undefined) check('validationSplit', validationSplit >= 0 && validationSplit < 1, 'a number in [0, 1)', validationSplit);
  if (config.clipGradNorm !== undefined) check('clipGradNorm', config.clipGradNorm > 0 && Number.isFinite(config.clipGradNorm), 'a positive number', config.clipGradNorm);
  const es = config.earlyStopping;
  if (es) check('earlyStopping.patience', Number.isInteger(es.patience) && es.patience >= 0, 'a non-negative integer', es.patience);
  return { epochs, batchSize };
}

function allFinite(arrays: Float[]): boolean {
  const kernel = getKernel();
  for (const values of arrays) {
    // A kernel's scan (native: C) where it takes the buffer; null: the loop below.
    const scanned = kernel.allFinite?.(values) ?? null;
    if (scanned === false) return false;
    if (scanned === true) continue;
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i] * 0;
    if (sum !== 0) return false; // x * 0 is NaN exactly when x is NaN or infinite
  }
  return true;
}
