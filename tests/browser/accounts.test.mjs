// A person signs up (and confirms the address), creates an observatory workspace, invites a member and creates an
// API key, all through the pages in a real (headless) Chromium; then the same sign-up with JavaScript off, to
// prove the forms work without it. The server under test is the built `meridian` binary on a fresh data directory.
// Invitations, confirming addresses, recovery and sessions have their own tests (identity.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, makeServer, signUp } from './harness.mjs';

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

test('sign up, create a workspace, invite a member, create an API key (hydrated)', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  const wasm = page.waitForResponse((r) => r.url().endsWith('/pkg/meridian_bg.wasm') && r.ok());
  // API keys need a confirmed address.
  await signUp(page, BASE, 'Annie Cannon', 'annie@observatory.test', { confirm: true });
  await wasm; // the page loaded its wasm and hydrated
  await page.waitForSelector('#my-workspaces >> text=Annie Cannon\'s space');

  await page.fill('#create-workspace-form input[name=name]', 'Harvard Plate Stacks');
  await page.fill('#create-workspace-form input[name=slug]', 'plate-stacks');
  await page.selectOption('#create-workspace-form select[name=visibility]', 'public');
  await Promise.all([
    page.waitForURL(`${BASE}/w/plate-stacks/settings`),
    page.click('#create-workspace-form button[type=submit]'),
  ]);

  // Inviting needs no account at the address: the invitation waits, listed, until its link is followed.
  await page.fill('#invite-form input[name=email]', 'olive@observatory.test');
  await page.selectOption('#invite-form select[name=role]', 'observer');
  await page.click('#invite-form button[type=submit]');
  await page.locator('#invitation-sent', { hasText: 'olive@observatory.test' }).waitFor();
  const row = page.locator('#invitations tr', { hasText: 'olive@observatory.test' });
  await row.waitFor();
  assert.equal((await row.locator('td.role').textContent()).trim(), 'observer');
  assert.equal(await page.locator('#members tr', { hasText: 'olive@observatory.test' }).count(), 0);

  await page.fill('#create-key-form input[name=name]', 'dome computer');
  await page.selectOption('#create-key-form select[name=scope]', 'upload');
  await page.click('#create-key-form button[type=submit]');
  const secret = (await page.locator('#new-key code').textContent()).trim();
  assert.match(secret, /^mrd_[0-9a-f]{8}_[0-9a-f]{48}$/);
  await page.locator('#api-keys tr', { hasText: 'dome computer' }).waitFor();

  // The key works for a program, with the scope chosen on the page.
  const me = await fetch(`${BASE}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(me.status, 200);
  const body = await me.json();
  assert.equal(body.kind, 'api_key');
  assert.equal(body.api_key.scope, 'upload');

  // Shown once: a reload no longer shows the secret.
  await page.reload();
  await page.locator('#api-keys tr', { hasText: 'dome computer' }).waitFor();
  assert.equal(await page.locator('#new-key').count(), 0);

  await page.screenshot({ path: join(tmpdir(), 'meridian-settings.png'), fullPage: true });
  assert.deepEqual(pageErrors, [], 'no script errors while hydrated');

  // Password change from the account page.
  await page.goto(`${BASE}/account`);
  await page.fill('#password-form input[name=current_password]', 'correct horse battery');
  await page.fill('#password-form input[name=new_password]', 'a brand new passphrase');
  await page.click('#password-form button[type=submit]');
  await page.waitForSelector('#password-changed');
  const relogin = await fetch(`${BASE}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'annie@observatory.test', password: 'a brand new passphrase' }),
  });
  assert.equal(relogin.status, 201);

  // The public page is there for anonymous visitors.
  const anon = await browser.newContext();
  const anonPage = await anon.newPage();
  await anonPage.goto(`${BASE}/w/plate-stacks`);
  assert.equal(await anonPage.locator('h1').textContent(), 'Harvard Plate Stacks');
  await anon.close();
  await context.close();
});

test('forms work without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signUp(page, BASE, 'Henrietta Leavitt', 'henrietta@observatory.test');
  await page.waitForSelector('#my-workspaces >> text=Henrietta Leavitt\'s space');
  // A bad form comes back with the reason, not a blank page.
  await page.fill('#create-workspace-form input[name=name]', 'Cepheids');
  await page.fill('#create-workspace-form input[name=slug]', 'henrietta');
  await page.click('#create-workspace-form button[type=submit]');
  await page.waitForSelector('.alert.error');
  assert.match(await page.locator('.alert.error').first().textContent(), /already exists/);
  await context.close();
});
