// The README's first command as a first-time visitor meets it: `meridian demo` on a fresh data directory (no
// services, no configuration), the hydrated bundle served with the pages, and the satellite check working
// offline: the demo imported the catalog snapshot the tests ship, the check opened from the observatory starts at
// tonight's dark sky over its site, and the example in the catalog's own epoch finds crossings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, makeServer, watchErrors } from './harness.mjs';

const server = makeServer();
const BASE = server.base;
let browser;

before(async () => {
  await server.start({ command: 'demo' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server.stop();
});

test('a first-time visitor of the demo gets hydrated pages and a satellite example with crossings', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const bundle = [];
  page.on('response', (r) => { if (/\/pkg\/meridian(_bg\.wasm|\.js)$/.test(r.url()) && r.ok()) bundle.push(r.url()); });
  await page.goto(`${BASE}/w/demo-observatory`);
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Demo Observatory');
  await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('.wasm')));
  assert.ok(bundle.some((u) => u.endsWith('.wasm')), `the browser bundle was served: ${bundle}`);

  // Hydrated: following a link is the router's work, not a page load (a marker on the window survives it).
  await page.evaluate(() => { window.__stillHere = true; });
  await page.locator('#satellite-check-link').click();
  await page.waitForSelector('#satellite-example a');
  assert.equal(await page.evaluate(() => window.__stillHere), true, 'navigated in place');

  // Opened from the observatory: its site and tonight are filled in.
  const form = page.locator('#satellite-check');
  assert.equal(await form.locator('input[name=lat]').inputValue(), '37.2236');
  assert.equal(await form.locator('input[name=lon]').inputValue(), '-2.5463');
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const start = await form.locator('input[name=start]').inputValue();
  assert.ok(start.startsWith(today) || start.startsWith(tomorrow), `tonight: ${start}`);
  assert.match(await page.locator('#check-defaults').innerText(), /Hill Top.*tonight/);
  assert.match(await page.locator('#check-catalog').innerText(), /5018 objects; elements from 2022-05-20 to 2022-06-17/);

  // The example, in the catalog's epoch, finds crossings; the page stays the same page.
  const example = page.locator('#satellite-example a');
  assert.match(await example.innerText(), /Hill Top.*2022-06-17/);
  await example.click();
  await page.waitForSelector('#skychart');
  const tracks = await page.locator('#skychart g.crossing').count();
  assert.ok(tracks > 0, 'the example finds crossings');
  assert.equal(await page.locator('#crossings tbody tr').count(), tracks);
  assert.match(await page.locator('#crossing-count').innerText(), new RegExp(`^${tracks} crossing`));
  assert.equal(await page.evaluate(() => window.__stillHere), true, 'checked in place');
  assert.deepEqual(errors, []);
  await page.close();
});
