// Data packages in a real (headless) Chromium, the hydrated way: upload a file, start a package, add the dataset,
// publish, make a secret link (its address shown once) and hand it to someone signed out, who downloads the zip
// from the landing page; revoking the link closes that page. Every form acts without a page reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, makeServer, ownerWithWorkspace, watchErrors } from './harness.mjs';

const server = makeServer();
const BASE = server.base;
let browser;

before(async () => {
  await server.start();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server.stop();
});

test('a package is built, published, shared by a link whose holder downloads it, and the link revoked', async () => {
  const { context, page, errors } = await ownerWithWorkspace(browser, BASE, {
    name: 'Henrietta Leavitt', email: 'henrietta@observatory.test', workspace: 'Cepheid survey', slug: 'cepheids',
  });

  await page.goto(`${BASE}/w/cepheids/data`);
  await page.fill('#create-dataset-form input[name=name]', 'SMC plates');
  await Promise.all([
    page.waitForURL(new RegExp(`^${BASE}/w/cepheids/data/[0-9a-f-]{36}$`)),
    page.click('#create-dataset-form button[type=submit]'),
  ]);
  await page.locator('#refresh-files[data-live]').waitFor();
  const plate = Buffer.from('SMC plate 1905: '.repeat(4000));
  await page.setInputFiles('#upload-input', [{ name: 'smc_1905.bin', mimeType: 'application/octet-stream', buffer: plate }]);
  await page.locator('#files tr.file-row', { hasText: 'smc_1905.bin' }).waitFor();

  await page.goto(`${BASE}/w/cepheids`);
  await Promise.all([
    page.waitForURL(`${BASE}/w/cepheids/packages`),
    page.click('a[href="/w/cepheids/packages"]'),
  ]);
  await page.locator('#no-packages').waitFor();
  await page.fill('#create-package-form input[name=title]', 'Period–luminosity plates');
  await Promise.all([
    page.waitForURL(new RegExp(`^${BASE}/w/cepheids/packages/[0-9a-f-]{36}$`)),
    page.click('#create-package-form button[type=submit]'),
  ]);
  const editorUrl = page.url();
  const packageId = editorUrl.split('/').pop();
  await page.locator('#empty-draft').waitFor();
  // Hydrated forms act in place: the marker survives every step below.
  await page.waitForFunction(() => document.querySelector('#add-dataset-form') !== null);
  await page.evaluate(() => { window.__marker = 1; });

  await page.click('#add-dataset-form button[type=submit]');
  await page.locator('#draft-files tr.draft-file', { hasText: 'SMC plates/smc_1905.bin' }).waitFor();
  assert.match(await page.locator('#draft-total').textContent(), /^1 files · 62\.5 KiB$/);

  await page.selectOption('#package-fields-form select[name=access]', 'link');
  await page.fill('#package-fields-form textarea[name=authors]', 'Henrietta Leavitt; 0000-0002-1825-0097; Harvard');
  await page.click('#package-fields-form button[type=submit]');
  await page.locator('#package-title + p .pill.access-link').waitFor();

  await page.click('#publish-form button[type=submit]');
  await page.locator('#published', { hasText: 'Version 1 published.' }).waitFor();
  await page.locator('#versions tr.version-row', { hasText: 'v1' }).waitFor();

  await page.fill('#create-link-form input[name=label]', 'for the referee');
  await page.click('#create-link-form button[type=submit]');
  const shown = await page.locator('#new-link code').textContent();
  assert.match(shown, new RegExp(`^${BASE}/shared/mpk_[A-Za-z0-9_-]+$`), shown);
  await page.locator('#link-list tr.link-row', { hasText: 'for the referee' }).waitFor();
  assert.equal(await page.evaluate(() => window.__marker), 1, 'no page reload');

  // Someone signed out opens the link: the landing page, and its zip downloads.
  const guest = await browser.newContext({ acceptDownloads: true });
  const holder = await guest.newPage();
  const guestErrors = watchErrors(holder);
  await holder.goto(shown);
  assert.equal(await holder.locator('#landing-title').textContent(), 'Period–luminosity plates');
  await holder.locator('#via-link').waitFor();
  assert.match(await holder.locator('#citation-text').textContent(), /Leavitt \(\d{4}\)\. Period–luminosity plates \(Version 1\) \[Data set\]/);
  // Hydrated, the app's router takes over same-origin links: the download links must be left to the browser.
  await holder.locator('body[data-hydrated]').waitFor();
  const [download] = await Promise.all([holder.waitForEvent('download'), holder.click('#download-zip')]);
  assert.match(download.suggestedFilename(), /^Period-luminosity-plates-v1\.zip$/);
  const stream = await download.createReadStream();
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  const zip = Buffer.concat(chunks);
  assert.equal(zip.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004', 'a zip archive');
  assert.ok(zip.includes(plate.subarray(0, 64)), 'holding the plate (stored, not compressed)');

  // Revoked: the link's page is gone at once.
  await page.click('#link-list tr.link-row .revoke-link-form button[type=submit]');
  await page.locator('#link-list tr.link-row', { hasText: 'revoked' }).waitFor();
  const r = await holder.goto(shown);
  assert.equal(r.status(), 404);
  assert.equal(await page.evaluate(() => window.__marker), 1, 'still no page reload');

  // The cited address of the version needs the workspace's rights: the guest gets 404, the member the page.
  assert.equal((await holder.goto(`${BASE}/packages/${packageId}/versions/1`)).status(), 404);
  await page.goto(`${BASE}/packages/${packageId}/versions/1`);
  await page.locator('#landing-files tr.landing-file', { hasText: 'SMC plates/smc_1905.bin' }).waitFor();
  assert.deepEqual(errors, [], 'no script errors');
  assert.deepEqual(guestErrors.filter((e) => !/404/.test(e)), [], 'no script errors for the guest');
  await guest.close();
  await context.close();
});
