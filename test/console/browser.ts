import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's chromium (`.ci/run` installs it when missing); playwright-core downloads no browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, removed again on close. */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(path.join(tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1360, height: 900 },
    acceptDownloads: true,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Signs in through the local issuer's page (`LOCAL_AUTH=1`) as the channel team or a partner user,
 * from the console's sign-in choice, and waits for the console to show.
 */
export async function signInThroughIssuer(
  page: Page,
  apiUrl: string,
  choice: 'Partner' | 'Channel team',
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${apiUrl}/`);
  await page.getByRole('button', { name: choice }).click();
  await page.locator('form[action="/login"]').waitFor();
  await page.fill('input[name=username]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${apiUrl}/**`), page.getByRole('button', { name: 'Sign in' }).click()]);
  await page.locator('main h1').waitFor();
}
