// Uploads from a dataset page in a real (headless) Chromium: sign up, create a workspace and a dataset through
// the pages, choose two files in the upload box and watch them show progress on the way (uploads slowed down),
// reach 100% and appear in the list without a reload; a connection that breaks once is retried, once; the same
// bytes again show the server's 409 reason. A large file goes as a resumable upload in parts: the lost answer to
// its start is sent again and gets the same upload, a broken part is sent again alone, and after a reload choosing
// the file again sends only the missing parts. The server under test is the built `meridian` binary on a fresh
// data directory. A list longer than a page pages in place (hydrated).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, makeServer, ownerWithWorkspace, signUp } from './harness.mjs';

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

test('uploads show progress, survive a broken connection, list the files without a reload, and explain a 409', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  const resets = [];
  page.on('console', (m) => {
    // The browser logs the refused duplicate and the broken-off attempt as failed requests; those are expected.
    if (m.type() !== 'error' || /409|Conflict/.test(m.text())) return;
    if (/ERR_CONNECTION_RESET/.test(m.text())) resets.push(m.text());
    else pageErrors.push(m.text());
  });

  await signUp(page, BASE, 'Annie Cannon', 'annie@observatory.test', { password: PASSWORD });
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
  // Progress: every percentage the rows show is recorded, with uploads slowed to about 1 MB/s so the browser
  // reports some on the way (the script's own 100% at the end proves nothing about them).
  await page.evaluate(() => {
    window.__marker = 1;
    window.__pcts = {};
    new MutationObserver(() => {
      for (const li of document.querySelectorAll('#upload-list li')) {
        const name = li.querySelector('.upload-name').textContent;
        (window.__pcts[name] ??= new Set()).add(li.querySelector('.upload-pct').textContent);
      }
    }).observe(document.getElementById('upload-list'), { subtree: true, childList: true, characterData: true });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1_000_000,
  });
  const a = Buffer.alloc(2_000_000, 7);
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
  const shown = await page.evaluate(() => [...window.__pcts['plate_a.bin']]);
  assert.ok(shown.some((t) => t !== '0%' && t !== '100%'), `progress on the way, not only at the end: ${shown}`);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
  });
  assert.equal(broken, 2, 'the broken file was sent once more, and only once');
  assert.equal(resets.length, 1, 'one attempt broke off');

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

test('a large file goes in parts: a broken part is sent again alone, and after a reload the upload resumes', async () => {
  const { context, page, errors } = await ownerWithWorkspace(browser, BASE, {
    name: 'Henrietta Leavitt', email: 'henrietta@observatory.test', workspace: 'Magellanic Clouds', slug: 'magellanic',
    // Requests cut off on purpose (and the ones the reload drops) are logged by the browser; nothing else may be.
    expected: /ERR_CONNECTION_RESET|ERR_FAILED|ERR_ABORTED/,
  });
  await page.goto(`${BASE}/w/magellanic/data`);
  await page.fill('#create-dataset-form input[name=name]', 'SMC variables');
  await Promise.all([
    page.waitForURL(new RegExp(`^${BASE}/w/magellanic/data/[0-9a-f-]{36}$`)),
    page.click('#create-dataset-form button[type=submit]'),
  ]);
  await page.locator('#refresh-files[data-live]').waitFor();
  const dataset = page.url().split('/').pop();
  // 20 MiB on disk (a path keeps its modification time between two choices: the script's resume key uses it),
  // sent as 8 MiB parts once the threshold is lowered to 5 MiB (the page's own is 32 MiB).
  const bytes = randomBytes(20 * 1024 * 1024);
  const path = join(mkdtempSync(join(tmpdir(), 'meridian-upload-')), 'smc_field_3.fits');
  writeFileSync(path, bytes);
  const lower = () => page.evaluate(() => { document.getElementById('upload-box').dataset.resumableFrom = String(5 << 20); });
  await lower();

  // Part 1 arrives; part 2 breaks off once, is retried alone, and then hangs like part 3: the page is reloaded.
  // After the reload (phase 2) every part goes through.
  const sent = { 1: [], 2: [] };
  let phase = 1;
  await page.route('**/uploads/*/parts/*', async (route) => {
    const n = Number(new URL(route.request().url()).pathname.split('/').pop());
    sent[phase].push(n);
    if (phase === 2 || n === 1) await route.continue();
    else if (n === 2 && sent[1].filter((m) => m === 2).length === 1) await route.abort('connectionreset');
    // Otherwise held, never answered: the reload drops it.
  });
  // The answer to the request that starts the upload is lost once, after the server made it: the page sends the
  // request again with the same token and gets that upload back (200), not a second one holding the quota.
  const starts = [];
  await page.route('**/datasets/*/uploads', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const made = await route.fetch();
    starts.push(made.status());
    if (starts.length === 1) await route.abort('connectionreset');
    else await route.fulfill({ response: made });
  });
  const first = sent[1];
  const part1 = page.waitForResponse((r) => r.url().endsWith('/parts/1') && r.request().method() === 'PUT');
  await page.setInputFiles('#upload-input', path);
  const row = page.locator('#upload-list li', { hasText: 'smc_field_3.fits' });
  await row.locator('.upload-state', { hasText: 'retrying part 2… (attempt 2 of 8)' }).waitFor();
  assert.equal((await part1).status(), 200);
  while (first.filter((m) => m === 2).length < 2) await new Promise((r) => setTimeout(r, 100));
  assert.ok(first.includes(3), `part 3 was started: ${first}`);
  assert.deepEqual(first.filter((m) => m === 1), [1], 'a broken part does not send the others again');

  const open = await (await page.request.get(`${BASE}/api/v1/workspaces/magellanic/uploads`)).json();
  assert.deepEqual(starts, [201, 200], 'started once, answered again');
  assert.equal(open.items.length, 1, 'one upload, though the request to start it was sent twice');
  const heldUrl = `${BASE}/api/v1/workspaces/magellanic/uploads/${open.items[0].id}`;
  const held = await (await page.request.get(heldUrl)).json();
  assert.equal(held.status, 'open');
  assert.deepEqual(held.parts.map((p) => p.number), [1], 'the server holds part 1');

  phase = 2;
  await page.reload();
  await page.locator('#refresh-files[data-live]').waitFor();
  const after = await (await page.request.get(heldUrl)).json();
  assert.deepEqual(after.parts.map((p) => p.number), [1], 'the reload dropped the held parts');
  const second = sent[2];
  await lower();
  await page.setInputFiles('#upload-input', path);
  const again = page.locator('#upload-list li', { hasText: 'smc_field_3.fits' });
  await again.locator('.upload-state', { hasText: 'done' }).waitFor({ timeout: 60_000 });
  assert.deepEqual(second.sort(), [2, 3], 'only the missing parts were sent');
  assert.equal(await again.locator('.upload-pct').textContent(), '100%');
  await page.locator('#files tr.file-row', { hasText: 'smc_field_3.fits' }).waitFor();

  const files = await (await page.request.get(`${BASE}/api/v1/workspaces/magellanic/datasets/${dataset}/files`)).json();
  assert.equal(files.items.length, 1);
  assert.equal(files.items[0].sha256, createHash('sha256').update(bytes).digest('hex'), 'the joined bytes are the file');
  assert.equal(files.items[0].size_bytes, bytes.length);
  const left = await (await page.request.get(`${BASE}/api/v1/workspaces/magellanic/uploads`)).json();
  assert.equal(left.items.filter((u) => u.status === 'open').length, 0, 'no upload left open');
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('meridian.upload')).length), 0,
    'the resume note is gone once the file is in');
  assert.deepEqual(errors, [], 'no script errors');
  await context.close();
});

test('a long list of datasets pages in place: next page and back to the first, no reload', async () => {
  const { context, page, errors } = await ownerWithWorkspace(browser, BASE, {
    name: 'Williamina Fleming', email: 'williamina@observatory.test', workspace: 'Long lists', slug: 'long',
  });
  // One more dataset than the page lists, made through the API with the page's session.
  const made = await page.evaluate(async () => {
    const c = document.cookie.split('; ').find((p) => p.startsWith('meridian_csrf='));
    const token = c ? decodeURIComponent(c.slice('meridian_csrf='.length)) : '';
    let ok = 0;
    for (let n = 0; n <= 100; n++) {
      const r = await fetch('/api/v1/workspaces/long/datasets', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
        body: JSON.stringify({ name: `Night ${String(n).padStart(3, '0')}` }),
      });
      if (r.status === 201) ok += 1;
    }
    return ok;
  });
  assert.equal(made, 101);

  await page.goto(`${BASE}/w/long/data`);
  await page.locator('body[data-hydrated]').waitFor();
  await page.evaluate(() => { window.__marker = 1; });
  assert.equal(await page.locator('#datasets tbody tr').count(), 100);
  assert.equal(await page.locator('#datasets', { hasText: 'Night 100' }).count(), 0);
  await Promise.all([page.waitForURL(/\/w\/long\/data\?cursor=/), page.click('a.next-page')]);
  await page.locator('#datasets', { hasText: 'Night 100' }).waitFor();
  assert.equal(await page.locator('#datasets tbody tr').count(), 1);
  assert.equal(await page.locator('a.next-page').count(), 0);
  await Promise.all([page.waitForURL(`${BASE}/w/long/data`), page.click('a.first-page')]);
  await page.locator('#datasets', { hasText: 'Night 099' }).waitFor();
  assert.equal(await page.locator('#datasets tbody tr').count(), 100);
  assert.equal(await page.evaluate(() => window.__marker), 1, 'paged without a reload');
  assert.deepEqual(errors, []);
  await context.close();
});
