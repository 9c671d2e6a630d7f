import { existsSync } from 'node:fs';
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * A real headless Chromium that `npm ci` alone provides (@sparticuz/chromium ships it inside its
 * npm package; playwright-core drives it). Debian's /usr/bin/chromium is used instead where
 * DASHBOARD_CHROMIUM names it.
 *
 * Three of the package's default flags are dropped: --disable-web-security (turns off the
 * same-origin policy) and --allow-running-insecure-content would weaken what the tests check, and
 * --single-process (meant for AWS Lambda) brings the whole browser down when a second browser
 * context closes.
 * --disable-background-networking stops Chromium's own calls home, so every request recorded is
 * one the page made.
 */
const DROPPED_FLAGS = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

export async function launchBrowser(): Promise<Browser> {
  const custom = process.env.DASHBOARD_CHROMIUM;
  const executablePath = custom !== undefined && existsSync(custom) ? custom : await chromium.executablePath();
  const args = [...chromium.args.filter((a) => !DROPPED_FLAGS.has(a)), '--disable-background-networking'];
  return playwright.launch({ executablePath, args, headless: true });
}

export interface RecordedRequest {
  readonly url: string;
  readonly method: string;
  readonly resourceType: string;
}

export interface RecordedPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request any page of the context made, in order. */
  readonly requests: RecordedRequest[];
  /** Console errors and Content-Security-Policy violations. */
  readonly problems: string[];
  close(): Promise<void>;
}

/** A fresh context (its own cookies) that records every request and every console error. */
export async function openRecordedPage(browser: Browser, options: { viewport?: { width: number; height: number } } = {}): Promise<RecordedPage> {
  // An explicit locale and time zone: the packaged Chromium otherwise takes the locale from the
  // environment (LANG=C gives "en-US@posix", which Intl refuses).
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 1000 }, acceptDownloads: true, locale: 'en-US', timezoneId: 'UTC' });
  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  context.on('request', (request) => requests.push({ url: request.url(), method: request.method(), resourceType: request.resourceType() }));
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, requests, problems, close: () => context.close() };
}

/** Requests to anything but the service itself (blob: downloads are local to the browser). */
export function nonLocalRequests(requests: readonly RecordedRequest[], serviceOrigin: string): RecordedRequest[] {
  return requests.filter((r) => {
    if (r.url.startsWith('blob:') || r.url.startsWith('data:') || r.url === 'about:blank') return false;
    return new URL(r.url).origin !== serviceOrigin;
  });
}
