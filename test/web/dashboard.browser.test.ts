// The dashboard in a real browser (Debian's Chromium, playwright-core) against the compiled server
// (`node dist/server.js`) on a temporary DATA_DIR, with and without API keys: upload digits from a
// file input and by a drop, build a CNN from a template (and see an engine error at its field), train
// and watch the curve grow over the event stream, cancel, resume, download weights and curves.svg,
// draw digits and see the probabilities change, evaluate and see the confusion matrix. Any console
// error, page error or CSP violation fails it. The run without keys writes docs/img/dashboard-*.png
// and docs/img/curves-example.svg (the README shows them).
// `npm run test:browser` (not part of npm test).

import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, unnamedControls, watchPage, type LaunchedBrowser, type PageProblems } from '../helpers/browser.js';
import { loadMnist } from '../helpers/mnist.js';
import { npy } from '../helpers/npy.js';
import { startServer, type ServiceProcess } from '../helpers/service-process.js';

const SCREENSHOTS = fileURLToPath(new URL('../../docs/img/', import.meta.url));
const CLASS_NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TRAIN = 300;
const TEST = 100;
/** Long enough that cancel lands mid-job (a few hundredths of a second an epoch here); resume runs as many again. */
const EPOCHS = 250;

interface Files {
  dir: string;
  trainJson: string;
  testCsv: string;
  inputsNpy: string;
  labelsNpy: string;
}

/** 300 digits as the JSON upload body (28 x 28 x 1), 100 others as a CSV of 784 pixels and a label, and a 4-row NPY pair. */
async function writeDigitFiles(): Promise<Files> {
  const dir = await mkdtemp(join(tmpdir(), 'nn-browser-data-'));
  const { train, test } = loadMnist(TRAIN);
  const pixels = (set: typeof train, i: number) => Array.from(set.inputs.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 1000) / 1000);
  const trainJson = join(dir, 'digits-train.json');
  await writeFile(trainJson, JSON.stringify({
    name: 'digits-train', inputShape: [28, 28, 1], classNames: CLASS_NAMES,
    inputs: Array.from({ length: TRAIN }, (_, i) => pixels(train, i)),
    labels: Array.from(train.labels),
  }));
  const header = [...Array.from({ length: 784 }, (_, p) => `p${p}`), 'label'].join(',');
  const rows = Array.from({ length: TEST }, (_, i) => [...pixels(test, i), test.labels[i]].join(','));
  const testCsv = join(dir, 'digits-test.csv');
  await writeFile(testCsv, `${header}\n${rows.join('\n')}\n`);
  const inputsNpy = join(dir, 'inputs.npy');
  const labelsNpy = join(dir, 'labels.npy');
  await writeFile(inputsNpy, npy('<f4', [4, 2], new Float32Array([0, 0, 0, 1, 1, 0, 1, 1])));
  await writeFile(labelsNpy, npy('<i8', [4], new BigInt64Array([0n, 1n, 1n, 0n])));
  return { dir, trainJson, testCsv, inputsNpy, labelsNpy };
}

describe.each([
  { mode: 'without API keys', key: null, screenshots: true },
  { mode: 'with API keys', key: 'browser-secret', screenshots: false },
])('dashboard $mode', ({ key, screenshots }) => {
  let server: ServiceProcess & { baseUrl: string };
  let launched: LaunchedBrowser;
  let files: Files;
  let dataDir: string;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nn-browser-'));
    files = await writeDigitFiles();
    server = await startServer({ DATA_DIR: dataDir, ...(key ? { API_KEYS: key } : {}) });
    launched = await launchChromium({ width: 1366, height: 768 }); // a laptop screen
    page = launched.page;
    problems = await watchPage(page);
  });

  afterAll(async () => {
    await launched?.close();
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (files) await rm(files.dir, { recursive: true, force: true });
  });

  const shot = async (name: string) => {
    if (!screenshots) return;
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });
  };
  const go = async (section: string) => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: section, exact: true }).click();
    await expect.poll(() => page.url()).toContain(`#/${section.toLowerCase()}`);
  };
  const expectNoProblems = async () => {
    expect(problems.list()).toEqual([]);
    expect(await unnamedControls(page)).toEqual([]);
  };
  /** Calls the API from inside the page, with the key the user entered. */
  const apiInPage = <T>(path: string) =>
    page.evaluate(async (p) => {
      const k = sessionStorage.getItem('nn-service.apiKey');
      const res = await fetch(p, { headers: k ? { authorization: `Bearer ${k}` } : {} });
      return (await res.json()) as unknown;
    }, path) as Promise<T>;

  it('/ redirects to /ui/; the key is asked for only when the service wants one', async () => {
    if (key) {
      problems.expect({ status: 401, url: /\/v1\// });
    }
    await page.goto(`${server.baseUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/');
    if (key) {
      const panel = page.getByRole('form', { name: 'API key' });
      await expect.poll(() => panel.textContent()).toContain('needs an API key');
      await panel.getByLabel('API key').fill('wrong-key');
      await panel.getByRole('button', { name: 'Save key' }).click();
      await expect.poll(() => panel.textContent()).toContain('did not accept');
      await panel.getByLabel('API key').fill(key);
      await panel.getByRole('button', { name: 'Save key' }).click();
      await expect.poll(() => page.getByRole('form', { name: 'API key' }).count()).toBe(0);
      expect(await page.evaluate(() => sessionStorage.getItem('nn-service.apiKey'))).toBe(key);
    }
    await expect.poll(() => page.locator('.card').count()).toBeGreaterThan(3);
    // Keyboard: from the brand, Tab walks the section links in order; Enter follows one.
    await page.getByRole('link', { name: 'nn-service' }).focus();
    const focused = () => page.evaluate(() => document.activeElement?.textContent);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Overview');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Datasets');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain('#/datasets');
    await expectNoProblems();
  });

  it('uploads digits from the file input and from a dropped CSV, and an NPY pair; previews thumbnails, tables and the class histogram', async () => {
    await go('Datasets');
    await page.getByLabel('Dataset file', { exact: true }).setInputFiles(files.trainJson);
    const detail = page.getByRole('article', { name: 'Dataset digits-train' });
    await detail.waitFor();
    await expect.poll(() => detail.locator('canvas.thumbnail').count()).toBe(24);
    expect(await detail.getByRole('img', { name: /^(zero|one|two|three|four|five|six|seven|eight|nine): \d+ samples$/ }).count()).toBe(10);
    expect(await detail.textContent()).toContain('[28, 28, 1]');
    await shot('datasets');

    const csv = await readFile(files.testCsv, 'utf8');
    await page.getByLabel('Name', { exact: true }).fill('digits-test');
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.items.add(new File([text], 'digits-test.csv', { type: 'text/csv' }));
      const zone = document.querySelector('[data-testid="dropzone"]')!;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, csv);
    const dropped = page.getByRole('article', { name: 'Dataset digits-test' });
    await dropped.waitFor();
    expect(await dropped.textContent()).toContain(`${TEST}`);
    await expect.poll(() => dropped.getByRole('table', { name: 'Sample preview' }).locator('tbody tr').count()).toBe(24);

    // NPY: inputs and labels chosen together go up as one multipart upload.
    await page.getByLabel('Name', { exact: true }).fill('corners-npy');
    await page.getByLabel('Dataset file', { exact: true }).setInputFiles([files.inputsNpy, files.labelsNpy]);
    const npyDetail = page.getByRole('article', { name: 'Dataset corners-npy' });
    await npyDetail.waitFor();
    expect(await npyDetail.textContent()).toMatch(/input shape\[2\]samples4kindclassification/);
    expect(await npyDetail.getByRole('table', { name: 'Sample preview' }).locator('tbody tr').count()).toBe(4);
    expect(await page.getByRole('table', { name: 'Datasets' }).locator('tbody tr').count()).toBe(3);
    await expectNoProblems();
  });

  it('creates a CNN from a template, showing the engine\'s error at a bad field first', async () => {
    await go('Models');
    await page.getByLabel('Fit templates to dataset').selectOption({ label: 'digits-train [28, 28, 1]' });
    await page.getByRole('button', { name: 'CNN template' }).click();
    const status = page.getByRole('status');
    const summary = page.getByRole('table', { name: 'Model summary' });
    await expect.poll(() => summary.locator('tbody tr').count()).toBe(6); // the CNN's six layers, not the MLP's four
    expect(await status.textContent()).toMatch(/^Valid: /);
    expect(await summary.locator('tbody tr').last().textContent()).toContain('[10]');

    problems.expect({ status: 422, url: /\/v1\/models\/validate$/ });
    const kernel = page.locator('[data-path="/layers/0/kernelSize"]');
    await kernel.getByRole('textbox').fill('0');
    await expect.poll(() => kernel.locator('.field-error').textContent()).toContain('kernelSize must be an integer from 1');
    expect(await kernel.getByRole('textbox').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => status.textContent()).toContain('Not valid');
    expect(await page.getByRole('button', { name: 'Create model' }).isDisabled()).toBe(true);
    await shot('models-error');

    await kernel.getByRole('textbox').fill('3');
    await expect.poll(() => status.textContent()).toMatch(/^Valid: /);
    expect(await kernel.locator('.field-error').count()).toBe(0);
    await page.getByLabel('Model name').fill('digits-cnn');
    await shot('models');
    await page.getByRole('button', { name: 'Create model' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Models' }).textContent()).toContain('digits-cnn');
    await expectNoProblems();
  });

  let firstJobId = '';

  it('starts a job and watches its curve receive points over the event stream; cancels it; resumes it', async () => {
    await go('Jobs');
    const form = page.getByRole('form', { name: 'Start a training job' });
    await form.getByRole('combobox', { name: /^Dataset/ }).selectOption({ label: `digits-train (${TRAIN} samples)` });
    await form.getByLabel('Epochs', { exact: true }).fill(String(EPOCHS));
    // AdamW with a cosine schedule: the form proposes AdamW's default rate, then takes ours.
    await form.getByRole('combobox', { name: 'Optimizer' }).selectOption('adamw');
    expect(await form.getByLabel('Learning rate').inputValue()).toBe('0.001');
    await form.getByLabel('Learning rate').fill('0.003');
    await form.getByRole('combobox', { name: 'Rate schedule' }).selectOption('cosine');
    await form.getByLabel('Cosine period tMax (epochs)').fill(String(EPOCHS));
    await form.getByLabel('Validation split').fill('0.2');
    await form.getByLabel('Checkpoint every (epochs)').fill('5');
    await form.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/jobs\/[0-9a-f-]{36}$/);
    firstJobId = page.url().split('/').at(-1)!;

    const points = () => page.locator('[data-points]').getAttribute('data-points').then(Number);
    await expect.poll(points, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);

    // The overview lists it among the running jobs, with its progress; its link leads back.
    await go('Overview');
    const running = page.locator('.running-jobs li').filter({ hasText: `job ${firstJobId.slice(0, 8)}` });
    await running.waitFor();
    expect(await running.getByRole('progressbar').count()).toBe(1);
    expect(await running.textContent()).toMatch(/epoch \d+ of \d+/);
    await shot('overview');
    await running.getByRole('link').click();
    await expect.poll(() => page.url()).toContain(`#/jobs/${firstJobId}`);

    const seen = await points();
    await expect.poll(points, { timeout: 60_000 }).toBeGreaterThan(seen); // live: more arrive without a reload
    expect(await page.locator('.progress-line').first().textContent()).toMatch(/epoch \d+ of \d+ .*samples\/s · ETA/);
    expect(await page.getByRole('img', { name: /^Chart of loss, validation loss, accuracy, validation accuracy per epoch$/ }).count()).toBe(1);
    // Epochs the stream's snapshot missed (it joined mid-run) are filled in by the next checkpoint.
    const epochsShown = () => page.getByRole('table', { name: 'History' }).locator('tbody tr td:first-child').allTextContents().then((t) => t.map(Number));
    await expect.poll(async () => { const shown = await epochsShown(); return shown[0] - shown.at(-1)! + 1 === shown.length; }, { timeout: 30_000 }).toBe(true);
    // History carries each epoch's rate: epoch 1 trains at the base rate, the cosine lowers it after.
    expect(await page.getByRole('table', { name: 'History' }).locator('thead').textContent()).toContain('learning rate');
    expect(await page.locator('.job-status').textContent()).toMatch(/Learning rate: [\d.e-]+ \(epoch \d+\)/);
    await shot('job-running');

    await page.getByRole('button', { name: 'Cancel job' }).click();
    await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: 30_000 }).toBe('cancelled');
    // Joined mid-run (back from the overview), yet no epoch is missing from the curve: the cancel's
    // answer (a record saved at the last checkpoint) may come before the stream's last epochs, and
    // neither source may take away what the other brought.
    const recorded = (await apiInPage<{ history: unknown[] }>(`/v1/jobs/${firstJobId}`)).history.length;
    expect(recorded).toBeLessThan(EPOCHS);
    await expect.poll(points, { timeout: 30_000 }).toBe(recorded);

    const resume = page.getByRole('button', { name: /^Resume from epoch \d+$/ });
    await resume.waitFor({ timeout: 30_000 });
    const fromEpoch = Number(/\d+/.exec((await resume.textContent())!)![0]);
    await resume.click();
    await expect.poll(() => page.url()).not.toContain(firstJobId);
    const resumedId = page.url().split('/').at(-1)!;
    const resumed = await apiInPage<{ config: { resumeFrom: string; epochs: number; optimizer: { type: string }; lrSchedule: unknown }; datasetId: string }>(`/v1/jobs/${resumedId}`);
    expect(resumed.config.epochs).toBe(EPOCHS); // the job's own config, resuming from its newest checkpoint
    // The same optimizer and schedule, continued from the checkpoint (not restarted: the form sends neither).
    expect(resumed.config.optimizer.type).toBe('adamw');
    expect(resumed.config.lrSchedule).toEqual({ type: 'cosine', tMax: EPOCHS, etaMin: 0 });
    expect(resumed.config.resumeFrom).toMatch(/^[0-9a-f-]{36}$/);
    const checkpoint = await apiInPage<{ epoch: number; jobId: string }>(`/v1/models/${(await apiInPage<{ modelId: string }>(`/v1/jobs/${resumedId}`)).modelId}/checkpoints/${resumed.config.resumeFrom}`);
    expect(checkpoint).toMatchObject({ epoch: fromEpoch, jobId: firstJobId });
    await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: 120_000 }).toBe('succeeded');
    const history = (await apiInPage<{ history: { epoch: number }[] }>(`/v1/jobs/${resumedId}`)).history;
    expect(await points()).toBe(history.length);
    // The resumed job continues the epoch count: its newest epoch is the checkpoint's plus its own epochs.
    expect(await page.getByRole('table', { name: 'History' }).locator('tbody tr').first().locator('td').first().textContent()).toBe(String(fromEpoch + EPOCHS));
    await expectNoProblems();
  });

  it('downloads a checkpoint\'s weights and the curves.svg with the key; the svg parses with one vertex per epoch', async () => {
    const downloading = page.waitForEvent('download');
    await page.getByRole('table', { name: 'Checkpoints' }).getByRole('button', { name: /Download weights of epoch \d+/ }).first().click();
    const file = await downloading;
    expect(file.suggestedFilename()).toMatch(/^digits-cnn-epoch\d+-[0-9a-f]{8}\.safetensors$/);
    const bytes = await readFile((await file.path())!);
    const jobId = page.url().split('/').at(-1)!;
    const job = await apiInPage<{ modelId: string; checkpointIds: string[] }>(`/v1/jobs/${jobId}`);
    const checkpoints = await apiInPage<{ items: { weightsSha256: string; jobId: string }[] }>(`/v1/models/${job.modelId}/checkpoints`);
    expect(checkpoints.items.filter((c) => c.jobId === jobId).map((c) => c.weightsSha256)).toContain(createHash('sha256').update(bytes).digest('hex'));

    const svgDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download curves.svg' }).click();
    const svgText = await readFile((await (await svgDownload).path())!, 'utf8');
    if (screenshots) await writeFile(join(SCREENSHOTS, 'curves-example.svg'), svgText);
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        series: [...doc.querySelectorAll('polyline')].map((p) => [p.getAttribute('data-series'), p.getAttribute('points')!.trim().split(/\s+/).length]),
        viewBox: doc.documentElement.getAttribute('viewBox'),
      };
    }, svgText);
    expect(parsed.error).toBeNull();
    expect(parsed.viewBox).toMatch(/^0 0 \d+ \d+$/);
    const entries = (await apiInPage<{ history: unknown[] }>(`/v1/jobs/${jobId}`)).history.length;
    expect(parsed.series).toEqual(['loss', 'valLoss', 'accuracy', 'valAccuracy'].map((series) => [series, entries]));

    // ONNX: the file the service builds for that checkpoint (an ONNX ModelProto starts with its ir_version field, tag 0x08).
    const table = page.getByRole('table', { name: 'Checkpoints' });
    const onnxDownload = page.waitForEvent('download');
    await table.getByRole('button', { name: /Download epoch \d+ as ONNX/ }).first().click();
    const onnxFile = await onnxDownload;
    expect(onnxFile.suggestedFilename()).toMatch(/^digits-cnn-epoch\d+-[0-9a-f]{8}\.onnx$/);
    const onnxBytes = await readFile((await onnxFile.path())!);
    expect(onnxBytes.length).toBeGreaterThan(1000);
    expect(onnxBytes[0]).toBe(0x08);

    // A label set at a checkpoint's row shows there and points the model's label at that checkpoint.
    const labelForm = table.getByRole('form', { name: /Labels of epoch \d+/ }).first();
    const labelledEpoch = Number((await labelForm.getAttribute('aria-label'))!.match(/\d+/)![0]);
    await labelForm.getByRole('textbox', { name: `New label for epoch ${labelledEpoch}` }).fill('production');
    await labelForm.getByRole('button', { name: 'Label', exact: true }).click();
    await expect.poll(() => labelForm.getByRole('button', { name: 'Remove label production' }).count()).toBe(1);
    const labels = await apiInPage<{ items: { label: string; checkpointId: string }[] } | { label: string; checkpointId: string }[]>(`/v1/models/${job.modelId}/labels`);
    const labelList = Array.isArray(labels) ? labels : labels.items;
    const labelled = await apiInPage<{ epoch: number }>(`/v1/models/${job.modelId}/checkpoints/${labelList.find((l) => l.label === 'production')!.checkpointId}`);
    expect(labelled.epoch).toBe(labelledEpoch);
    await shot('job');

    await go('Jobs');
    const rows = page.getByRole('table', { name: 'Jobs' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    for (const row of await rows.all()) {
      await expect.poll(() => row.locator('td').nth(1).textContent()).toBe('digits-cnn');
      expect(await row.locator('td code').textContent()).toMatch(/^[0-9a-f]{8}$/);
    }
    await shot('jobs');
    await expectNoProblems();
  });

  it('draws digits on the canvas and sees the class probabilities change', async () => {
    await go('Predict');
    const pad = page.locator('canvas.pad');
    await pad.waitFor();
    const box = (await pad.boundingBox())!;
    const stroke = async (points: [number, number][]) => {
      await page.mouse.move(box.x + points[0][0] * box.width, box.y + points[0][1] * box.height);
      await page.mouse.down();
      for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 4 });
      await page.mouse.up();
    };
    const probabilities = () => page.locator('[data-probabilities]').getAttribute('data-probabilities', { timeout: 1000 }).catch(() => null);

    await stroke([[0.5, 0.18], [0.5, 0.82]]); // a "1"
    await expect.poll(probabilities).not.toBeNull();
    const one = JSON.parse((await probabilities())!) as number[];
    expect(one).toHaveLength(10);
    expect(one.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);

    // Close the stroke into a "0": a ring around it.
    const ring = Array.from({ length: 25 }, (_, i) => [0.5 + 0.22 * Math.sin((i / 24) * 2 * Math.PI), 0.5 - 0.32 * Math.cos((i / 24) * 2 * Math.PI)] as [number, number]);
    await stroke(ring);
    await expect.poll(probabilities).not.toBe(JSON.stringify(one));
    const drawn = await page.evaluate(() => {
      const small = document.querySelector<HTMLCanvasElement>('canvas.pad-preview')!;
      const data = small.getContext('2d')!.getImageData(0, 0, small.width, small.height).data;
      let inked = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 0) inked++;
      return { width: small.width, height: small.height, inked };
    });
    expect(drawn).toMatchObject({ width: 28, height: 28 });
    expect(drawn.inked).toBeGreaterThan(20);
    await shot('predict');

    await page.getByRole('button', { name: 'Clear drawing' }).click();
    await expect.poll(() => page.locator('[data-probabilities]').count()).toBe(0);
    await expectNoProblems();
  });

  it('evaluates on the dropped test digits and shows the confusion matrix', async () => {
    await go('Evaluate');
    const form = page.getByRole('form', { name: 'Evaluate a model' });
    await form.getByRole('combobox', { name: /^Dataset/ }).selectOption({ label: `digits-test (${TEST} samples)` });
    await form.getByRole('button', { name: 'Evaluate' }).click();
    const matrix = page.getByRole('table', { name: /Confusion matrix/ });
    await matrix.waitFor();
    expect(await matrix.locator('tbody tr').count()).toBe(10);
    const cells = await matrix.locator('tbody td').allTextContents();
    expect(cells).toHaveLength(100);
    expect(cells.map(Number).reduce((a, b) => a + b, 0)).toBe(TEST);
    expect(await matrix.locator('thead th').nth(1).textContent()).toBe('zero');
    const accuracy = Number((await page.getByTestId('eval-accuracy').textContent())!.replace('%', ''));
    const diagonal = await matrix.locator('td.diagonal').allTextContents();
    expect(accuracy).toBeCloseTo((diagonal.map(Number).reduce((a, b) => a + b, 0) / TEST) * 100, 1);
    expect(Number(await page.getByTestId('eval-loss').textContent())).toBeGreaterThan(0);
    await shot('evaluate');

    await go('Overview');
    await expect.poll(() => page.locator('.card').first().textContent()).toContain('3 datasets');
    expect(await page.locator('.card').nth(2).textContent()).toContain('2 jobs');
    await expectNoProblems();
  });
});
