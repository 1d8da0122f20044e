// The account life cycle in a real (headless) Chromium, with the mail the server writes to its outbox: confirming
// the address from the mailed link (and changing it), a lost password reset from its link, an invitation followed
// by someone without an account yet, the sessions list signing other browsers out, and deleting an account; then
// the same forms with JavaScript off. The server under test is the built `meridian` binary on a fresh data
// directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, confirmAddress, launchBrowser, makeServer, newestMail, outbox, ownerWithWorkspace, signIn, signUp,
  watchErrors,
} from './harness.mjs';

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

/// A fresh context's page, hydrated once it loads, and its script errors.
async function freshPage(options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  return { context, page, errors: watchErrors(page) };
}

const hydrated = (page) => page.waitForSelector('body[data-hydrated]');

/// Script errors other than the browser's note of a refused form: a server function answers one with 500 (and a
/// missing invitation page with 404, a rate limit with 429), and the page shows the reason, which the tests check.
const unexpected = (errors) => errors.filter((e) => !/the server responded with a status of (404|429|500)/.test(e));

test('sign-up mails a link; following it confirms the address and the banner goes; the address can change', async () => {
  const { context, page, errors } = await freshPage();
  const email = 'cecilia@observatory.test';
  await signUp(page, BASE, 'Cecilia Payne', email);
  await page.locator('#verify-banner', { hasText: 'until then you cannot accept invitations' }).waitFor();
  const first = await newestMail(BASE, email, { subject: /Confirm your e-mail address/ });

  // Another link on request: the page says it went out, and the first link stops working.
  await hydrated(page);
  await page.click('#verify-banner #resend-verification-form button[type=submit]');
  await page.locator('#verification-sent', { hasText: email }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/dashboard', 'back on the page that asked');
  const second = await newestMail(BASE, email, { subject: /Confirm your e-mail address/, after: 1 });
  assert.notEqual(first.link('/verify-email'), second.link('/verify-email'));

  // A link does nothing until its button is pressed (mail scanners open links).
  await page.goto(first.link('/verify-email'));
  await hydrated(page);
  await page.click('#verify-form button[type=submit]');
  await page.locator('.alert.error', { hasText: 'expired or was already used' }).waitFor();
  await page.goto(`${BASE}/account`);
  assert.equal((await page.locator('#email-status').textContent()).trim(), 'not confirmed');

  await confirmAddress(page, BASE, email);
  await page.locator('#email-confirmed').waitFor();
  await page.goto(`${BASE}/dashboard`);
  await page.locator('#my-workspaces').waitFor();
  assert.equal(await page.locator('#verify-banner').count(), 0, 'no banner once confirmed');
  await page.goto(`${BASE}/account`);
  assert.equal((await page.locator('#email-status').textContent()).trim(), 'confirmed');
  assert.equal(await page.locator('#verify-banner').count(), 0);

  // A new address: a link goes there, the account changes only when it is followed.
  const newer = 'cecilia.payne@observatory.test';
  await hydrated(page);
  await page.fill('#email-form input[name=new_email]', newer);
  await page.fill('#email-form input[name=current_password]', 'not my password');
  await page.click('#email-form button[type=submit]');
  await page.locator('#email-form ~ .alert.error', { hasText: 'is not your current password' }).waitFor();
  await page.fill('#email-form input[name=current_password]', PASSWORD);
  await page.click('#email-form button[type=submit]');
  await page.locator('#email-change-sent').waitFor();
  assert.equal((await page.locator('#account-email').textContent()).trim(), email, 'unchanged until confirmed');
  const change = await newestMail(BASE, newer, { subject: /./ });
  await page.goto(change.link('/confirm-email'));
  await hydrated(page);
  await Promise.all([
    page.waitForURL(`${BASE}/confirm-email?confirmed=1`),
    page.click('#confirm-email-form button[type=submit]'),
  ]);
  await page.goto(`${BASE}/account`);
  assert.equal((await page.locator('#account-email').textContent()).trim(), newer);
  assert.equal((await page.locator('#email-status').textContent()).trim(), 'confirmed');

  assert.deepEqual(unexpected(errors), [], 'no script errors while hydrated');
  await context.close();
});

test('a forgotten password is reset from the mailed link: every session ends, the link works once', async () => {
  const email = 'annie.maunder@observatory.test';
  const old = await freshPage();
  await signUp(old.page, BASE, 'Annie Maunder', email);

  const { context, page, errors } = await freshPage();
  await page.goto(`${BASE}/sign-in`);
  await hydrated(page);
  await Promise.all([page.waitForURL(`${BASE}/forgot-password`), page.click('#forgot-password-link')]);
  await page.fill('#forgot-form input[name=email]', email);
  await page.click('#forgot-form button[type=submit]');
  await page.locator('#reset-sent', { hasText: 'If an account uses this address, we sent a link' }).waitFor();
  // An address without an account gets the same answer (and no mail).
  await page.fill('#forgot-form input[name=email]', 'nobody@observatory.test');
  await page.click('#forgot-form button[type=submit]');
  await page.locator('#reset-sent').waitFor();

  const mail = await newestMail(BASE, email, { subject: /^Reset your/ });
  const link = mail.link('/reset-password');
  await page.goto(link);
  await hydrated(page);
  // Two different passwords: the browser refuses to send them.
  await page.fill('#reset-form input[name=new_password]', 'a new passphrase here');
  await page.fill('#reset-form input[name=new_password_again]', 'another passphrase');
  assert.equal(await page.locator('#reset-form input[name=new_password_again]').evaluate((e) => e.validity.valid), false);
  await page.fill('#reset-form input[name=new_password_again]', 'a new passphrase here');
  await Promise.all([
    page.waitForURL(`${BASE}/sign-in?reset=1`),
    page.click('#reset-form button[type=submit]'),
  ]);
  await page.locator('#password-reset-done', { hasText: 'every session was signed out' }).waitFor();

  // The session that was open before is over.
  await old.page.goto(`${BASE}/account`);
  await old.page.waitForURL(`${BASE}/sign-in?next=%2Faccount`);
  await old.context.close();

  await signIn(page, BASE, email, { password: 'a new passphrase here' });

  // The link worked once.
  await page.goto(link);
  await hydrated(page);
  await page.fill('#reset-form input[name=new_password]', 'yet another passphrase');
  await page.fill('#reset-form input[name=new_password_again]', 'yet another passphrase');
  await page.click('#reset-form button[type=submit]');
  await page.locator('.alert.error', { hasText: 'This link has expired or was already used' }).waitFor();

  // Asking too often is refused with a sentence saying when to ask again.
  await page.goto(`${BASE}/forgot-password`);
  await hydrated(page);
  for (let i = 0; i < 6; i++) {
    await page.fill('#forgot-form input[name=email]', 'often@observatory.test');
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/fn/request_password_reset')),
      page.click('#forgot-form button[type=submit]'),
    ]);
  }
  await page.locator('.alert.error', { hasText: /ask again in (about )?\d+ (minutes|seconds)/ }).waitFor();

  assert.deepEqual(unexpected(errors), [], 'no script errors while hydrated');
  await context.close();
});

test('an invitation brings someone without an account in; a revoked one says so', async () => {
  const owner = await ownerWithWorkspace(browser, BASE, {
    name: 'Edward Pickering', email: 'edward@observatory.test', workspace: 'Harvard Computers', slug: 'harvard',
  });
  const invite = async (email, role) => {
    await owner.page.fill('#invite-form input[name=email]', email);
    await owner.page.selectOption('#invite-form select[name=role]', role);
    await owner.page.click('#invite-form button[type=submit]');
    await owner.page.locator('#invitation-sent', { hasText: email }).waitFor();
    await owner.page.locator('#invitations tr', { hasText: email }).waitFor();
  };
  await hydrated(owner.page);
  await invite('antonia@observatory.test', 'observer');
  await invite('williamina@observatory.test', 'member');
  const row = owner.page.locator('#invitations tr', { hasText: 'antonia@observatory.test' });
  assert.equal((await row.locator('td.role').textContent()).trim(), 'observer');
  assert.equal((await row.locator('.pill').textContent()).trim(), 'pending');

  // The invitee opens the link signed out, creates an account from there and comes back after signing in.
  const link = (await newestMail(BASE, 'antonia@observatory.test', { subject: /invited/ })).link('/invitations/accept');
  const { context, page, errors } = await freshPage();
  await page.goto(link);
  await page.locator('#invitation-facts', { hasText: 'Harvard Computers' }).waitFor();
  assert.equal((await page.locator('#invitation-facts dd.role').textContent()).trim(), 'observer');
  await page.locator('#invitation-facts', { hasText: 'Edward Pickering' }).waitFor();
  assert.equal((await page.locator('#invitation-status').textContent()).trim(), 'pending');
  await hydrated(page);
  await Promise.all([page.waitForURL(/\/sign-up\?next=/), page.click('#invitation-sign-up')]);
  await page.fill('input[name=display_name]', 'Antonia Maury');
  await page.fill('input[name=email]', 'antonia@observatory.test');
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(/\/sign-up\/sent\?next=/), page.click('#sign-up-form button[type=submit]')]);
  await Promise.all([page.waitForURL(/\/sign-in\?next=/), page.click('#sign-up-sent a[href^="/sign-in"]')]);
  await page.fill('#sign-in-form input[name=email]', 'antonia@observatory.test');
  await page.fill('#sign-in-form input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(link), page.click('#sign-in-form button[type=submit]')]);
  // Not confirmed yet: the page explains, and offers the link again.
  await page.locator('#invitation-unverified #resend-verification-form').waitFor();
  assert.equal(await page.locator('#accept-invitation-form').count(), 0);

  await confirmAddress(page, BASE, 'antonia@observatory.test');
  await page.goto(link);
  await hydrated(page);
  const join = page.locator('#accept-invitation-form button[type=submit]');
  assert.equal((await join.textContent()).trim(), 'Join Harvard Computers');
  await Promise.all([page.waitForURL(`${BASE}/w/harvard`), join.click()]);

  await owner.page.reload();
  const member = owner.page.locator('#members tr', { hasText: 'antonia@observatory.test' });
  await member.waitFor();
  assert.equal((await member.locator('td.role').textContent()).trim(), 'observer');
  assert.equal(await owner.page.locator('#invitations tr', { hasText: 'antonia@observatory.test' }).count(), 0);
  // The used link says so.
  await page.goto(link);
  assert.equal((await page.locator('#invitation-status').textContent()).trim(), 'accepted');

  // Sent again: a fresh link, the old one no longer works; revoked: the newest link says so.
  await hydrated(owner.page);
  const before = outbox(BASE, 'williamina@observatory.test').length;
  const oldLink = (await newestMail(BASE, 'williamina@observatory.test')).link('/invitations/accept');
  await owner.page.locator('#invitations tr', { hasText: 'williamina@observatory.test' })
    .locator('button', { hasText: 'Send again' }).click();
  const fresh = (await newestMail(BASE, 'williamina@observatory.test', { after: before })).link('/invitations/accept');
  assert.notEqual(fresh, oldLink);
  await owner.page.locator('#invitations tr', { hasText: 'williamina@observatory.test' })
    .locator('button', { hasText: 'Revoke' }).click();
  await owner.page.locator('#invitations tr', { hasText: 'williamina@observatory.test' }).waitFor({ state: 'detached' });
  await page.goto(fresh);
  assert.equal((await page.locator('#invitation-status').textContent()).trim(), 'revoked');
  await page.locator('#invitation-closed', { hasText: 'revoked' }).waitFor();
  assert.equal(await page.locator('#accept-invitation-form').count(), 0);
  await page.goto(oldLink);
  await page.locator('#invitation-error', { hasText: 'does not work' }).waitFor();

  assert.deepEqual(unexpected(errors), [], 'no script errors while hydrated');
  assert.deepEqual(unexpected(owner.errors), []);
  await context.close();
  await owner.context.close();
});

test('the account page lists the sessions and signs the others out; then the account is deleted', async () => {
  const email = 'maria@observatory.test';
  const a = await freshPage();
  await signUp(a.page, BASE, 'Maria Mitchell', email);
  const b = await freshPage();
  await signIn(b.page, BASE, email);
  const c = await freshPage();
  await signIn(c.page, BASE, email);

  await a.page.goto(`${BASE}/account`);
  await hydrated(a.page);
  const rows = a.page.locator('#sessions tbody tr');
  assert.equal(await rows.count(), 3);
  assert.equal(await a.page.locator('#sessions tbody tr', { hasText: 'this session' }).count(), 1);
  await a.page.locator('#sessions tbody tr', { hasText: 'Chrome' }).first().waitFor();

  // One other session out, then all the others.
  await a.page.locator('#sessions tbody tr:not(.current) button', { hasText: 'Sign out' }).first().click();
  await a.page.waitForFunction(() => document.querySelectorAll('#sessions tbody tr').length === 2);
  await a.page.click('#end-others-form button[type=submit]');
  await a.page.waitForFunction(() => document.querySelectorAll('#sessions tbody tr').length === 1);
  assert.equal(await a.page.locator('#end-others-form').count(), 0);
  for (const other of [b, c]) {
    await other.page.goto(`${BASE}/account`);
    await other.page.waitForURL(`${BASE}/sign-in?next=%2Faccount`);
    await other.context.close();
  }

  // Deleting: the password, the box ticked; then home, signed out, and the old password no longer signs in.
  await a.page.fill('#delete-account-form input[name=current_password]', 'not my password');
  await a.page.check('#delete-account-form input[name=confirm]');
  await a.page.click('#delete-account-form button[type=submit]');
  await a.page.locator('#delete-account .alert.error', { hasText: 'is not your current password' }).waitFor();
  await a.page.fill('#delete-account-form input[name=current_password]', PASSWORD);
  await Promise.all([a.page.waitForURL(`${BASE}/?deleted=1`), a.page.click('#delete-account-form button[type=submit]')]);
  await a.page.locator('#account-deleted').waitFor();
  await a.page.locator('.topbar a[href="/sign-in"]').waitFor();
  const again = await fetch(`${BASE}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(again.status, 401);
  assert.deepEqual(unexpected(a.errors), [], 'no script errors while hydrated');
  await a.context.close();
});

test('without JavaScript: confirming, inviting, a refused deletion, and a password reset', async () => {
  const { context, page } = await freshPage({ javaScriptEnabled: false });
  const email = 'henrietta.swope@observatory.test';
  await signUp(page, BASE, 'Henrietta Swope', email);
  await page.locator('#verify-banner').waitFor();
  // The sign-up's mail is written first (a resend spends its link; were both queued at once, the spent one could
  // be written last and taken for the newest: seen once in CI).
  await newestMail(BASE, email, { subject: /Confirm your e-mail address/ });
  await Promise.all([page.waitForNavigation(), page.click('#resend-verification-form button[type=submit]')]);
  await page.locator('#verification-sent', { hasText: email }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/dashboard');
  await newestMail(BASE, email, { subject: /Confirm your e-mail address/, after: 1 });
  await confirmAddress(page, BASE, email);
  await page.locator('#email-confirmed').waitFor();

  // A workspace of her own, and an invitation from it.
  await page.goto(`${BASE}/dashboard`);
  await page.fill('#create-workspace-form input[name=name]', 'Variable stars');
  await page.fill('#create-workspace-form input[name=slug]', 'variables');
  await Promise.all([
    page.waitForURL(`${BASE}/w/variables/settings`),
    page.click('#create-workspace-form button[type=submit]'),
  ]);
  await page.fill('#invite-form input[name=email]', 'dorrit@observatory.test');
  await Promise.all([page.waitForNavigation(), page.click('#invite-form button[type=submit]')]);
  await page.locator('#invitations tr', { hasText: 'dorrit@observatory.test' }).waitFor();
  const invitation = (await newestMail(BASE, 'dorrit@observatory.test')).link('/invitations/accept');

  // The last owner of a workspace cannot delete the account: the page says why.
  await page.goto(`${BASE}/account`);
  await page.fill('#delete-account-form input[name=current_password]', PASSWORD);
  await page.check('#delete-account-form input[name=confirm]');
  await Promise.all([page.waitForNavigation(), page.click('#delete-account-form button[type=submit]')]);
  await page.locator('#delete-account .alert.error', { hasText: 'last owner of "Variable stars"' }).waitFor();

  // The invitation link signed out: sign in comes back to it.
  const visitor = await freshPage({ javaScriptEnabled: false });
  await visitor.page.goto(invitation);
  await visitor.page.locator('#invitation-sign-in').waitFor();
  assert.match(await visitor.page.locator('#invitation-sign-in').getAttribute('href'), /^\/sign-in\?next=%2Finvitations%2Faccept%3Ftoken%3D[0-9a-f]+$/);
  await visitor.context.close();

  // A reset with two different passwords is refused by the server; then done.
  const anon = await freshPage({ javaScriptEnabled: false });
  await anon.page.goto(`${BASE}/forgot-password`);
  await anon.page.fill('#forgot-form input[name=email]', email);
  await Promise.all([anon.page.waitForNavigation(), anon.page.click('#forgot-form button[type=submit]')]);
  await anon.page.locator('#reset-sent').waitFor();
  const link = (await newestMail(BASE, email, { subject: /^Reset your/ })).link('/reset-password');
  await anon.page.goto(link);
  await anon.page.fill('#reset-form input[name=new_password]', 'swope passphrase one');
  await anon.page.fill('#reset-form input[name=new_password_again]', 'swope passphrase two');
  await Promise.all([anon.page.waitForNavigation(), anon.page.click('#reset-form button[type=submit]')]);
  await anon.page.locator('.alert.error', { hasText: 'The two passwords differ' }).waitFor();
  await anon.page.fill('#reset-form input[name=new_password]', 'swope passphrase one');
  await anon.page.fill('#reset-form input[name=new_password_again]', 'swope passphrase one');
  await Promise.all([
    anon.page.waitForURL(`${BASE}/sign-in?reset=1`),
    anon.page.click('#reset-form button[type=submit]'),
  ]);
  await anon.page.locator('#password-reset-done').waitFor();
  await signIn(anon.page, BASE, email, { password: 'swope passphrase one' });
  await anon.context.close();

  // The first browser's session ended with the reset; signing in again comes back to the page asked for.
  await page.goto(`${BASE}/account`);
  await page.waitForURL(`${BASE}/sign-in?next=%2Faccount`);
  await page.fill('#sign-in-form input[name=email]', email);
  await page.fill('#sign-in-form input[name=password]', 'swope passphrase one');
  await Promise.all([page.waitForURL(`${BASE}/account`), page.click('#sign-in-form button[type=submit]')]);
  await page.locator('#sessions').waitFor();
  await context.close();
});
