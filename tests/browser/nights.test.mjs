// An observer's night in a real (headless) Chromium: sign up, set up a public workspace with a site and a
// telescope through the pages, start tonight's log, type entries into the quick-entry field (hydrated: no reload,
// the field is cleared and keeps focus), edit one and read its history, publish the night and read it as an
// anonymous visitor; then the same quick entry with JavaScript off. The server under test is the built `meridian`
// binary on a fresh data directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, makeServer, signUp } from './harness.mjs';

const server = makeServer();
const BASE = server.base;
const PASSWORD = 'correct horse battery';
let browser;

before(async () => {
  await server.start();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server.stop();
});

const NIGHT_URL = new RegExp(`^${BASE}/w/la-palma/nights/[0-9a-f-]{36}$`);
let nightUrl;

test('tonight\'s log: quick entries without a reload, an edit with history, published for visitors', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });

  await signUp(page, BASE, 'Williamina Fleming', 'williamina@observatory.test', { password: PASSWORD });

  await page.fill('#create-workspace-form input[name=name]', 'La Palma');
  await page.fill('#create-workspace-form input[name=slug]', 'la-palma');
  await page.selectOption('#create-workspace-form select[name=visibility]', 'public');
  await Promise.all([
    page.waitForURL(`${BASE}/w/la-palma/settings`),
    page.click('#create-workspace-form button[type=submit]'),
  ]);

  await page.goto(`${BASE}/w/la-palma/observatory`);
  await page.fill('#add-site-form input[name=name]', 'Roque de los Muchachos');
  await page.fill('#add-site-form input[name=latitude]', '28.7606');
  await page.fill('#add-site-form input[name=longitude]', '-17.8816');
  await page.fill('#add-site-form input[name=elevation_m]', '2396');
  await page.fill('#add-site-form input[name=time_zone]', 'Atlantic/Canary');
  await page.click('#add-site-form button[type=submit]');
  await page.locator('#add-telescope-form').waitFor();
  await page.fill('#add-telescope-form input[name=name]', 'WHT');
  await page.click('#add-telescope-form button[type=submit]');
  await page.locator('#telescopes tr', { hasText: 'WHT' }).waitFor();

  // The workspace page links to the nights; a writer starts tonight's log with one button.
  await page.goto(`${BASE}/w/la-palma`);
  await Promise.all([page.waitForURL(`${BASE}/w/la-palma/nights`), page.click('a[href="/w/la-palma/nights"] >> nth=0')]);
  await Promise.all([page.waitForURL(NIGHT_URL), page.click('#tonight .start-tonight button')]);
  nightUrl = page.url();

  // Hydrated: the field carries the mark the page sets once live.
  const field = page.locator('#quick-entry[data-live]');
  await field.waitFor();
  await page.evaluate(() => { window.__marker = 1; });
  await field.fill('Dome open, **focus** done');
  await field.press('Enter');
  const first = page.locator('#timeline li.entry', { hasText: 'Dome open, focus done' });
  await first.waitFor();
  assert.equal(await first.locator('strong').textContent(), 'focus', 'the Markdown is rendered');
  assert.equal(await page.evaluate(() => window.__marker), 1, 'no page reload');
  assert.equal(await field.inputValue(), '', 'the field is cleared');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'quick-entry', 'and keeps the focus');

  // Straight on to the next one.
  await page.keyboard.type('Humidity 85%, watching');
  await page.keyboard.press('Enter');
  await page.locator('#timeline li.entry', { hasText: 'Humidity 85%' }).waitFor();
  assert.equal(await page.evaluate(() => window.__marker), 1);
  assert.equal(await page.locator('#timeline li.entry').count(), 2);

  // An edit keeps the first text in the history.
  const entry = page.locator('#timeline li.entry', { hasText: 'Humidity 85%' });
  await entry.locator('details.edit summary').click();
  await entry.locator('textarea[name=body]').fill('Humidity 92%, dome closed');
  await entry.locator('details.edit select[name=level]').selectOption('warning');
  await entry.locator('details.edit button[type=submit]').click();
  const edited = page.locator('#timeline li.entry', { hasText: 'Humidity 92%, dome closed' });
  await edited.waitFor();
  assert.match(await edited.locator('details.history summary').textContent(), /edited \(v2\)/);
  assert.match(await edited.locator('details.history .version-text').first().textContent(), /Humidity 85%, watching/);
  assert.equal(await edited.locator('.level').first().textContent(), 'warning');

  // Publish, then a visitor reads it.
  await page.click('#visibility-form button[type=submit]');
  await page.locator('#night-visibility', { hasText: 'public' }).waitFor();
  await page.screenshot({ path: join(tmpdir(), 'meridian-night.png'), fullPage: true });
  assert.deepEqual(pageErrors, [], 'no script errors while hydrated');

  const anon = await browser.newContext();
  const visitor = await anon.newPage();
  await visitor.goto(nightUrl);
  await visitor.locator('#timeline li.entry', { hasText: 'Humidity 92%, dome closed' }).waitFor();
  assert.equal(await visitor.locator('#quick-entry').count(), 0, 'visitors get no forms');
  await visitor.goto(`${BASE}/w/la-palma`);
  assert.equal(await visitor.locator(`#latest-nights a[href="${new URL(nightUrl).pathname}"]`).count(), 1);
  await anon.close();
  await context.close();
});

test('the quick entry works without JavaScript', async () => {
  assert.ok(nightUrl, 'the first test made a night');
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${BASE}/sign-in`);
  await page.fill('input[name=email]', 'williamina@observatory.test');
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/dashboard`), page.click('#sign-in-form button[type=submit]')]);
  await page.goto(nightUrl);
  await page.fill('#quick-entry', 'Closed for the night');
  await Promise.all([page.waitForNavigation(), page.press('#quick-entry', 'Enter')]);
  assert.equal(new URL(page.url()).pathname, new URL(nightUrl).pathname, 'back on the night');
  await page.locator('#timeline li.entry', { hasText: 'Closed for the night' }).waitFor();
  // An empty entry comes back with the reason.
  await page.fill('#quick-entry', '   ');
  await Promise.all([page.waitForNavigation(), page.press('#quick-entry', 'Enter')]);
  await page.waitForSelector('.alert.error');
  await context.close();
});
