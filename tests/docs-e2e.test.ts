import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from '../src/api/adapters/node.js';
import { createApp } from '../src/api/app.js';
import { createTestService } from './helpers/service.js';

/**
 * /docs in a real Chromium: Swagger UI must render under its own CSP with nothing blocked and no request
 * leaving the origin. Skipped without a browser, like tests/page-e2e.test.ts, unless CI or
 * REELREC_REQUIRE_BROWSER is set.
 */
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const haveBrowser = existsSync(executablePath);
const browserRequired = Boolean(process.env.CI || process.env.REELREC_REQUIRE_BROWSER);

describe.skipIf(!haveBrowser && !browserRequired)('/docs in Chromium', () => {
  let server: Awaited<ReturnType<typeof serveApp>> | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!haveBrowser) throw new Error(`Chromium is required (CI or REELREC_REQUIRE_BROWSER is set) but ${executablePath} does not exist`);
    server = await serveApp(createApp({ service: await createTestService() }), { port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      timeout: 20_000,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('renders the API document with no CSP violation, no error and no third-party request', async () => {
    const page = await (await (browser as Browser).newContext()).newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(server?.url ?? '') || url.startsWith('data:')) return route.continue();
      foreign.push(url);
      return route.abort('internetdisconnected');
    });
    // Every CSP violation, reported or not on the console (the init script runs outside the page's CSP).
    await page.addInitScript({
      content:
        "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    });
    await page.goto(`${server?.url}/docs`);
    await expect.poll(() => page.locator('.swagger-ui .info .title').textContent(), { timeout: 15_000 }).toContain('reelrec API');
    await expect.poll(() => page.locator('.opblock').count()).toBeGreaterThan(5);
    // Open one operation: its body (parameters, schemas, examples) renders too.
    await page.locator('.opblock-summary').first().click();
    await expect.poll(() => page.locator('.opblock-body').count()).toBeGreaterThan(0);
    await page.waitForTimeout(300);
    expect(await page.evaluate('window.cspViolations')).toEqual([]);
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
