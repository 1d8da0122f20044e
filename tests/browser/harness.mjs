// What every page test needs: the built `meridian` binary serving a fresh data directory on a free loopback
// port, a headless Chromium (Debian's, driven by playwright-core), and the steps most tests start with.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BIN = process.env.SERVER_BIN ?? 'target/debug/meridian';
export const PASSWORD = 'correct horse battery';
const SITE_ROOT = fileURLToPath(new URL('../../target/site', import.meta.url));

/// A server on a random port in 18000–22999 (each test file runs in its own process); `base` is known before it
/// starts, so tests may build their URL patterns at load time.
export function makeServer() {
  const port = 18000 + Math.floor(Math.random() * 5000);
  const base = `http://127.0.0.1:${port}`;
  let child;
  return {
    base,
    /// A fresh data directory (or `dataDir`), extra environment in `env`; resolves once `/readyz` answers.
    async start({ dataDir, env = {} } = {}) {
      const data = dataDir ?? mkdtempSync(join(tmpdir(), 'meridian-browser-'));
      child = spawn(BIN, ['serve', '--bind', `127.0.0.1:${port}`, '--data-dir', data], {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, MERIDIAN_LOG: 'warn', MERIDIAN_SITE_ROOT: SITE_ROOT, ...env },
      });
      for (let i = 0; i < 300; i++) {
        if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
        try {
          const r = await fetch(`${base}/readyz`);
          if (r.ok) return;
        } catch { /* not up yet */ }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('server did not become ready');
    },
    stop() {
      child?.kill('SIGTERM');
    },
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROME_BIN ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/// Signs up through the page; ends on the dashboard.
export async function signUp(page, base, name, email) {
  await page.goto(`${base}/sign-up`);
  await page.fill('input[name=display_name]', name);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(`${base}/dashboard`), page.click('#sign-up-form button[type=submit]')]);
}

/// Creates a workspace from the dashboard's form; ends on its settings page.
export async function createWorkspace(page, base, name, slug) {
  await page.fill('#create-workspace-form input[name=name]', name);
  await page.fill('#create-workspace-form input[name=slug]', slug);
  await Promise.all([
    page.waitForURL(`${base}/w/${slug}/settings`),
    page.click('#create-workspace-form button[type=submit]'),
  ]);
}

/// A fresh browser context whose page has signed up and made a workspace (ending on its settings page): the
/// context, the page, and the script errors collected from then on (except those `expected` matches).
export async function ownerWithWorkspace(browser, base, { name, email, workspace, slug, expected = null }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page, expected);
  await signUp(page, base, name, email);
  await createWorkspace(page, base, workspace, slug);
  return { context, page, errors };
}

/// Collects script errors and console errors (except those `expected` matches).
export function watchErrors(page, expected = null) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !(expected && expected.test(m.text()))) errors.push(m.text());
  });
  return errors;
}
