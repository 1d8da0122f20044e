// Signing in with an OpenID Connect provider in a real (headless) Chromium, against a real provider on loopback:
// panva's `oidc-provider` (the certified library; `infra/devservices.sh start oidc`, whose own login form takes any
// login and password). The whole authorization-code flow with PKCE: a newcomer's first sign-in makes an account,
// the next one finds it, with and without JavaScript; a signed-in person links ORCID (its iD then shows on the
// account and members pages and is offered as a package author); and what goes wrong comes back to a page that
// says what to do: a cancel at the provider, a tampered state, a replayed code, an address that has an account,
// an address the provider does not vouch for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkspace, launchBrowser, makeServer, signUp, watchErrors } from './harness.mjs';

const ISSUER = process.env.OIDC_ISSUER;
if (!ISSUER && process.env.CI) {
  throw new Error('CI runs the OpenID Connect page tests: OIDC_ISSUER must be set (infra/devservices.sh start oidc)');
}
const server = makeServer();
const BASE = server.base;
let browser;

before(async () => {
  if (!ISSUER) return;
  // Two providers at the same issuer, under the test client that `devservices.sh` registers (loopback redirect
  // URIs on any port): an institution's login, and one whose subjects are ORCID iDs.
  const dir = mkdtempSync(join(tmpdir(), 'meridian-oidc-'));
  const config = join(dir, 'meridian.toml');
  const provider = (name, display) => `
[[providers]]
name = "${name}"
display_name = "${display}"
kind = "oidc"
issuer = "${ISSUER}"
client_id = "meridian-test"
client_secret = "meridian-test-secret"
`;
  writeFileSync(config, `public_url = "${BASE}"\n${provider('institute', 'Institute login')}${provider('orcid', 'ORCID')}`);
  await server.start({ env: { MERIDIAN_CONFIG: config } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server.stop();
});

const skip = ISSUER ? false : 'OIDC_ISSUER not set (infra/devservices.sh start oidc)';
const hydrated = (page) => page.waitForSelector('body[data-hydrated]');
/// Server functions answer a refused form with 500 (and the page shows why); the provider's pages load a web font
/// from the internet, which is not reachable here.
const unexpected = (errors) =>
  errors.filter((e) => !/status of 500|fonts\.googleapis|net::ERR_/.test(e));

/// A fresh browser context that reaches only loopback: the provider's pages import a web font from the internet,
/// which is not reachable here and would hold their `load` event.
async function isolated(options = {}) {
  const context = await browser.newContext(options);
  await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
  return context;
}

/// Rewrites, with `change(url)`, the callback URL the provider sends the browser back to. That request follows a
/// redirect, which Playwright's routes do not see; Chromium's own request interception does. Requests off
/// loopback fail (as in `isolated`).
async function rewriteCallback(page, change) {
  const cdp = await page.context().newCDPSession(page);
  // A request still paused when its context closes cannot be continued; that is no failure of the test.
  const send = (method, params) => cdp.send(method, params).catch(() => {});
  cdp.on('Fetch.requestPaused', (e) => {
    const url = new URL(e.request.url);
    if (url.hostname !== '127.0.0.1') {
      return send('Fetch.failRequest', { requestId: e.requestId, errorReason: 'BlockedByClient' });
    }
    if (url.pathname.startsWith('/auth/') && url.pathname.endsWith('/callback')) {
      change(url);
      return send('Fetch.continueRequest', { requestId: e.requestId, url: url.href });
    }
    return send('Fetch.continueRequest', { requestId: e.requestId });
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Request' }] });
}

/// At the provider's own pages (if the provider did not send the browser straight back): signs in as `login`
/// (unless the provider remembers the person) and agrees to share the address (unless it was agreed before); ends
/// back at Meridian.
async function atProvider(page, login) {
  for (let step = 0; step < 4 && page.url().startsWith(ISSUER); step++) {
    if (await page.locator('input[name=login]').count()) {
      await page.fill('input[name=login]', login);
      await page.fill('input[name=password]', 'any password');
    }
    // "Sign-in" on the login page, "Continue" on the consent page.
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
      page.click('button.login-submit'),
    ]);
  }
  await page.waitForURL((u) => u.href.startsWith(BASE));
}

/// Clicks `selector` (a link that leaves for a provider) and waits until the page is somewhere else: the
/// provider's pages, or back at Meridian when the provider remembered the person and agreed at once.
async function follow(page, selector) {
  const from = page.url();
  await Promise.all([
    page.waitForURL((u) => u.href !== from, { waitUntil: 'domcontentloaded' }),
    page.click(selector),
  ]);
}

async function signOut(page) {
  await hydrated(page);
  await Promise.all([page.waitForURL(`${BASE}/`), page.locator('.topbar button', { hasText: 'Sign out' }).click()]);
}

/// Presses the sign-in page's button for `provider`.
async function startAt(page, provider) {
  await page.goto(`${BASE}/sign-in`);
  await follow(page, `#providers a[data-provider=${provider}]`);
}

test('a newcomer signs in with their institution; the next sign-in finds the same account', { skip }, async () => {
  const context = await isolated();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${BASE}/sign-in`);
  await hydrated(page);
  assert.equal(await page.locator('#providers a').count(), 2, 'a button per provider');
  await follow(page, '#providers a[data-provider=institute]');
  await atProvider(page, 'williamina');
  assert.equal(new URL(page.url()).pathname, '/dashboard');
  await page.locator('.topbar a.who', { hasText: 'williamina' }).waitFor();

  // The account page: the provider's address, confirmed by it, and the provider linked.
  await page.goto(`${BASE}/account`);
  await hydrated(page);
  assert.equal(await page.textContent('#account-email'), 'williamina@meridian.test');
  assert.equal(await page.textContent('#email-status'), 'confirmed');
  const row = page.locator('#identities tr[data-provider=institute]');
  await row.locator('td', { hasText: 'Institute login' }).waitFor();
  assert.match(await row.textContent(), /williamina@meridian\.test/);
  // ORCID is offered for linking; the only way to sign in cannot be unlinked.
  await page.locator('#link-providers a[data-provider=orcid]').waitFor();
  await row.locator('button', { hasText: 'Unlink' }).click();
  await page.locator('#sign-in-providers .alert.error', { hasText: 'only way to sign in' }).waitFor();
  assert.equal(await page.locator('#identities tr[data-provider=institute]').count(), 1);

  // Signed out, the same provider identity signs into the same account (the provider remembers the person).
  await signOut(page);
  await startAt(page, 'institute');
  await atProvider(page, 'williamina');
  await page.goto(`${BASE}/account`);
  assert.equal(await page.textContent('#account-email'), 'williamina@meridian.test');
  assert.equal(await page.locator('#identities tbody tr').count(), 1, 'no second identity, no second account');
  assert.deepEqual(unexpected(errors), []);
  await context.close();

  // Without JavaScript: the buttons are links, the provider's pages are forms, the callback a redirect.
  const plain = await isolated({ javaScriptEnabled: false });
  const p2 = await plain.newPage();
  await startAt(p2, 'institute');
  await atProvider(p2, 'antonia');
  assert.equal(new URL(p2.url()).pathname, '/dashboard');
  await p2.goto(`${BASE}/account`);
  assert.equal(await p2.textContent('#account-email'), 'antonia@meridian.test');
  await plain.close();
});

test('a signed-in person links ORCID; the iD shows on their pages and is offered as a package author', { skip }, async () => {
  const context = await isolated();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signUp(page, BASE, 'Annie Cannon', 'annie@observatory.test', { confirm: true });
  await createWorkspace(page, BASE, 'Harvard plates', 'plates');

  await page.goto(`${BASE}/account`);
  await hydrated(page);
  assert.equal(await page.locator('#account-orcid').count(), 0, 'no iD before ORCID is linked');
  await follow(page, '#link-providers a[data-provider=orcid]');
  await atProvider(page, '0000-0002-1825-0097');
  assert.equal(new URL(page.url()).pathname, '/account');
  await page.locator('#provider-linked', { hasText: 'ORCID is linked' }).waitFor();
  // Linking never changes the account's own address.
  assert.equal(await page.textContent('#account-email'), 'annie@observatory.test');
  await page.locator('#account-orcid a[href="https://orcid.org/0000-0002-1825-0097"]').waitFor();
  await page.locator('#identities tr[data-provider=orcid]').waitFor();
  assert.equal(await page.locator('#link-providers a[data-provider=orcid]').count(), 0, 'linked: not offered again');

  // The members page shows it; a new package offers her, with her iD, as its first author.
  await page.goto(`${BASE}/w/plates/settings`);
  await page.locator('#members a.orcid', { hasText: '0000-0002-1825-0097' }).waitFor();
  await page.goto(`${BASE}/w/plates/packages`);
  await page.fill('#create-package-form input[name=title]', 'Spectral classes');
  await Promise.all([
    page.waitForURL(new RegExp(`^${BASE}/w/plates/packages/[0-9a-f-]{36}$`)),
    page.click('#create-package-form button[type=submit]'),
  ]);
  assert.equal(
    await page.inputValue('#package-fields-form textarea[name=authors]'),
    'Annie Cannon; 0000-0002-1825-0097',
  );
  await page.locator('#author-suggestions code', { hasText: 'Annie Cannon; 0000-0002-1825-0097' }).waitFor();

  // Signed out, ORCID signs her in.
  await signOut(page);
  await startAt(page, 'orcid');
  await atProvider(page, '0000-0002-1825-0097');
  await page.goto(`${BASE}/account`);
  assert.equal(await page.textContent('#account-email'), 'annie@observatory.test');
  assert.deepEqual(unexpected(errors), []);
  await context.close();
});

test('what goes wrong comes back to the sign-in page, saying what to do', { skip }, async () => {
  // Cancelled at the provider.
  let context = await isolated();
  let page = await context.newPage();
  await startAt(page, 'institute');
  await page.locator('a', { hasText: 'Cancel' }).click();
  await page.waitForURL((u) => u.href.startsWith(`${BASE}/sign-in?error=`));
  await page.locator('#provider-error', { hasText: 'cancelled at Institute login' }).waitFor();
  await context.close();

  // A tampered state: refused, nobody signed in.
  context = await browser.newContext();
  page = await context.newPage();
  await rewriteCallback(page, (url) => url.searchParams.set('state', `${url.searchParams.get('state')}x`));
  await startAt(page, 'institute');
  await atProvider(page, 'mallory');
  await page.locator('#provider-error', { hasText: 'did not finish' }).waitFor();
  assert.equal(await page.locator('.topbar a.who').count(), 0, 'nobody is signed in');
  await context.close();

  // A replayed code: a code the provider already redeemed, sent back with a fresh sign-in's state.
  context = await browser.newContext();
  page = await context.newPage();
  let firstCode;
  let replay = false;
  await rewriteCallback(page, (url) => {
    if (!firstCode) firstCode = url.searchParams.get('code');
    else if (replay) url.searchParams.set('code', firstCode);
  });
  await startAt(page, 'institute');
  await atProvider(page, 'fleming');
  assert.equal(new URL(page.url()).pathname, '/dashboard');
  await signOut(page);
  replay = true;
  await startAt(page, 'institute');
  await atProvider(page, 'fleming');
  await page.locator('#provider-error', { hasText: 'did not finish' }).waitFor();
  assert.equal(await page.locator('.topbar a.who').count(), 0, 'the replayed code signed nobody in');
  await context.close();

  // An address that already has an account (made with a password): never signed in or linked by address.
  context = await isolated();
  page = await context.newPage();
  await signUp(page, BASE, 'Dorrit Hoffleit', 'dorrit@meridian.test');
  await signOut(page);
  await startAt(page, 'institute');
  await atProvider(page, 'dorrit');
  await page.locator('#provider-error', { hasText: 'already exists' }).waitFor();
  assert.equal(await page.locator('.topbar a.who').count(), 0);
  await context.close();

  // An address the provider does not vouch for makes no account.
  context = await isolated();
  page = await context.newPage();
  await startAt(page, 'institute');
  await atProvider(page, 'unverified-eve');
  await page.locator('#provider-error', { hasText: 'has not confirmed an e-mail address' }).waitFor();
  await context.close();
});
