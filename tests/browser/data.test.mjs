// Uploads from a dataset page in a real (headless) Chromium: sign up, create a workspace and a dataset through
// the pages, choose two files in the upload box and watch each reach 100% and appear in the list without a
// reload; a connection that breaks once is retried; the same bytes again show the server's 409 reason. The
// server under test is the built `meridian` binary on a fresh data directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BIN = process.env.SERVER_BIN ?? 'target/debug/meridian';
const PORT = 19000 + Math.floor(Math.random() * 1000);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'correct horse battery';
let server;
let browser;

async function waitReady() {
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    try {
      const r = await fetch(`${BASE}/readyz`);
      if (r.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready');
}

before(async () => {
  const data = mkdtempSync(join(tmpdir(), 'meridian-browser-'));
  server = spawn(BIN, ['serve', '--bind', `127.0.0.1:${PORT}`, '--data-dir', data], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      MERIDIAN_LOG: 'warn',
      MERIDIAN_SITE_ROOT: fileURLToPath(new URL('../../target/site', import.meta.url)),
    },
  });
  await waitReady();
  browser = await chromium.launch({
    executablePath: process.env.CHROME_BIN ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});


test('uploads show progress, survive a broken connection, list the files without a reload, and explain a 409', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    // The refused duplicate is logged by the browser as a failed request; that one is expected.
    if (m.type() === 'error' && !/409|Conflict/.test(m.text())) pageErrors.push(m.text());
  });

  await page.goto(`${BASE}/sign-up`);
  await page.fill('input[name=display_name]', 'Annie Cannon');
  await page.fill('input[name=email]', 'annie@observatory.test');
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/dashboard`), page.click('#sign-up-form button[type=submit]')]);
  await page.fill('#create-workspace-form input[name=name]', 'Harvard plates');
  await page.fill('#create-workspace-form input[name=slug]', 'harvard');
  await Promise.all([
    page.waitForURL(`${BASE}/w/harvard/settings`),
    page.click('#create-workspace-form button[type=submit]'),
  ]);

  await page.goto(`${BASE}/w/harvard`);
  await Promise.all([page.waitForURL(`${BASE}/w/harvard/data`), page.click('a[href="/w/harvard/data"] >> nth=0')]);
  await page.fill('#create-dataset-form input[name=name]', 'Plates 1901');
  await Promise.all([
    page.waitForURL(new RegExp(`^${BASE}/w/harvard/data/[0-9a-f-]{36}$`)),
    page.click('#create-dataset-form button[type=submit]'),
  ]);
  await page.locator('#refresh-files[data-live]').waitFor();
  await page.locator('#no-files').waitFor();
  assert.equal(await page.locator('#upload-nojs').isVisible(), false, 'the no-JavaScript note is hidden');

  // The first attempt at one file breaks off; the script says so and tries again.
  let broken = 0;
  await page.route('**/files/plate_b.bin', async (route) => {
    if (broken++ === 0) await route.abort('connectionreset');
    else await route.continue();
  });
  await page.evaluate(() => { window.__marker = 1; });
  const a = Buffer.alloc(300_000, 7);
  const b = Buffer.from('plate B: '.repeat(5000));
  await page.setInputFiles('#upload-input', [
    { name: 'plate_a.bin', mimeType: 'application/octet-stream', buffer: a },
    { name: 'plate_b.bin', mimeType: 'application/octet-stream', buffer: b },
  ]);
  const rowA = page.locator('#upload-list li', { hasText: 'plate_a.bin' });
  const rowB = page.locator('#upload-list li', { hasText: 'plate_b.bin' });
  await rowB.locator('.upload-state', { hasText: 'retrying' }).waitFor();
  await rowA.locator('.upload-state', { hasText: 'done' }).waitFor();
  await rowB.locator('.upload-state', { hasText: 'done' }).waitFor();
  assert.equal(await rowA.locator('.upload-pct').textContent(), '100%');
  assert.equal(await rowB.locator('.upload-pct').textContent(), '100%');
  assert.equal(await rowA.locator('progress').evaluate((p) => p.value), 100);
  assert.ok(broken >= 2, 'the broken file was sent again');

  await page.locator('#files tr.file-row', { hasText: 'plate_a.bin' }).waitFor();
  await page.locator('#files tr.file-row', { hasText: 'plate_b.bin' }).waitFor();
  assert.equal(await page.evaluate(() => window.__marker), 1, 'listed without a page reload');

  // The same bytes under another name: the server refuses, and the row says why.
  await page.setInputFiles('#upload-input', [{ name: 'plate_a_again.bin', mimeType: 'application/octet-stream', buffer: a }]);
  const dup = page.locator('#upload-list li', { hasText: 'plate_a_again.bin' });
  await dup.locator('.upload-state').filter({ hasText: /plate_a\.bin|already|duplicate|same/i }).waitFor();
  assert.equal(await dup.getAttribute('data-state'), 'failed');
  assert.equal(await page.locator('#files tr.file-row').count(), 2);
  await page.screenshot({ path: join(tmpdir(), 'meridian-upload.png'), fullPage: true });
  assert.deepEqual(pageErrors, [], 'no script errors');
  await context.close();
});
