// Debian's Chromium driven by playwright-core for the dashboard tests (no browser download, ever):
// a fresh profile per launch, and a page watcher that records console errors, uncaught page errors
// and Content-Security-Policy violations so a test can fail on any of them.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface LaunchedBrowser {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (its --user-data-dir, removed on close) and one page of the given size. */
export async function launchChromium(viewport = { width: 1366, height: 768 }): Promise<LaunchedBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'nn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    acceptDownloads: true,
    // No sandbox: CI runs as root. Nothing that phones home: the machine reaches no network anyway.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    page: context.pages()[0] ?? (await context.newPage()),
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A network failure the flow provokes on purpose: its console line is expected, not a fault. */
export interface ExpectedFailure {
  status: number;
  url: RegExp;
}

export interface PageProblems {
  /** Everything unexpected so far: console errors, page errors, CSP violations. */
  list(): string[];
  /** Allows console lines for responses with this status from matching URLs (e.g. a 401 before the key is entered). */
  expect(failure: ExpectedFailure): void;
}

/** Starts recording problems on `page`; call before the first navigation. */
export async function watchPage(page: Page): Promise<PageProblems> {
  const problems: string[] = [];
  const expected: ExpectedFailure[] = [];
  await page.exposeFunction('__reportCspViolation', (text: string) => problems.push(`CSP violation: ${text}`));
  // Injected by the browser itself (not a page script), so the page's CSP does not apply to it.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __reportCspViolation: (text: string) => void }).__reportCspViolation;
      void report(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  const isExpected = (message: ConsoleMessage) => {
    const status = /status of (\d{3})/.exec(message.text());
    return status !== null && expected.some((f) => f.status === Number(status[1]) && f.url.test(message.location().url));
  };
  page.on('console', (message) => {
    if (message.type() === 'error' && !isExpected(message)) problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return { list: () => [...problems], expect: (failure) => expected.push(failure) };
}

/**
 * Controls without a name are what a screen reader cannot announce: every button, link, input,
 * select, textarea and canvas on the page needs visible text, a <label> or an aria-label.
 */
export async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const named = (el: Element) =>
      (el as HTMLInputElement).labels?.length ||
      el.getAttribute('aria-label')?.trim() ||
      el.getAttribute('aria-labelledby') ||
      (el.tagName !== 'INPUT' && el.tagName !== 'SELECT' && el.tagName !== 'TEXTAREA' && el.textContent?.trim());
    return [...document.querySelectorAll('button, a[href], input, select, textarea, canvas')]
      .filter((el) => !named(el))
      .map((el) => el.outerHTML.slice(0, 120));
  });
}
