// The public satellite check in a real (headless) Chromium: the catalog is imported with the command line into a
// fresh data directory, then a visitor (no account) fills the check form, gets the sky chart with one track per
// crossing and the table, and changes the field to a rectangle in place (the hydrated page fetches the new check
// without a reload). The server under test is the built `meridian` binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, launchBrowser, makeServer } from './harness.mjs';

const server = makeServer();
const BASE = server.base;
const CATALOG = fileURLToPath(
  new URL('../../backend/satellites/tests/data/catalog_stellarium_0.22.2.tle', import.meta.url));
let browser;

before(async () => {
  const data = mkdtempSync(join(tmpdir(), 'meridian-browser-sat-'));
  const env = { ...process.env, MERIDIAN_LOG: 'warn', MERIDIAN_DATA_DIR: data };
  const imported = spawnSync(BIN, ['satellites', 'import', CATALOG], { env, encoding: 'utf8' });
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /5018 object\(s\) read/);
  await server.start({ dataDir: data });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server.stop();
});

test('a visitor checks a field, sees the chart and the table, then checks a rectangle in place', async () => {
  const page = await browser.newPage();
  await page.goto(`${BASE}/satellites`);
  const form = page.locator('#satellite-check');
  await form.locator('input[name=lat]').fill('-30.2407');
  await form.locator('input[name=lon]').fill('-70.7366');
  await form.locator('input[name=elevation]').fill('2715');
  await form.locator('input[name=ra]').fill('242.1743');
  await form.locator('input[name=dec]').fill('-28.2117');
  await form.locator('input[name=radius]').fill('2');
  await form.locator('input[name=start]').fill('2022-06-17T03:00:00Z');
  await form.locator('input[name=end]').fill('2022-06-17T03:20:00Z');
  await form.locator('button[type=submit]').click();
  await page.waitForSelector('#skychart');
  const tracks = await page.locator('#skychart g.crossing').count();
  const rows = await page.locator('#crossings tbody tr').count();
  assert.ok(tracks > 0, 'crossings drawn');
  assert.equal(rows, tracks, 'one table row per track');
  assert.match(await page.locator('#crossing-count').innerText(), new RegExp(`^${tracks} crossing`));
  assert.match(await page.locator('#catalog-age').innerText(), /5018 objects/);

  // Hydrated: a marker set on the window survives the next check, so it was not a full page load.
  await page.evaluate(() => { window.__stillHere = true; });
  await form.locator('input[name=radius]').fill('');
  await form.locator('input[name=width]').fill('0.5');
  await form.locator('input[name=height]').fill('0.5');
  await form.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('#skychart polygon.field') !== null);
  assert.equal(await page.evaluate(() => window.__stillHere), true, 'no reload');
  const smaller = await page.locator('#skychart g.crossing').count();
  assert.ok(smaller < tracks, `a 0.5° square catches fewer than a 2° circle (${smaller} vs ${tracks})`);
  assert.match(page.url(), /width=0\.5/);

  // Bad input is explained on the page.
  await form.locator('input[name=lat]').fill('95');
  await form.locator('button[type=submit]').click();
  await page.waitForSelector('#check-error');
  assert.match(await page.locator('#check-error').innerText(), /latitude/);
  await page.close();
});
