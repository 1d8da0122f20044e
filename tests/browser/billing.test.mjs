// Paying for a plan in a real (headless) Chromium, against Stripe-compatible servers on loopback
// (`infra/devservices.sh start emulate`: emulate's hosted Checkout page, and our stand-in in front of it for the
// subscription, its webhooks and the Billing Portal; `STRIPE_API_URL`). The owner goes from the billing page to
// Stripe's checkout, pays, comes back to the billing page with the new plan and its limits applied (the webhooks
// arrive before the browser does), then opens the portal and returns; the same without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, makeServer, ownerWithWorkspace } from './harness.mjs';

const STRIPE = process.env.STRIPE_API_URL;
const SECRET = process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_test_secret';
if (!STRIPE && process.env.CI) {
  throw new Error('CI runs the billing page tests: STRIPE_API_URL must be set (infra/devservices.sh start emulate)');
}
const server = makeServer();
const BASE = server.base;
let browser;

async function stripe(path, form) {
  const r = await fetch(`${STRIPE}${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_test_meridian', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  assert.ok(r.ok, `${path}: ${r.status}`);
  return r.json();
}

/// The Billing Meter counting `eventName` (event names are unique on a Stripe account).
async function meter(eventName) {
  const r = await fetch(`${STRIPE}/v1/billing/meters`, { headers: { authorization: 'Bearer sk_test_meridian' } });
  const found = (await r.json()).data.find((m) => m.event_name === eventName);
  if (found) return found.id;
  return (await stripe('/v1/billing/meters', { display_name: eventName, event_name: eventName, 'default_aggregation[formula]': 'sum' })).id;
}

async function price(name, cents, meterId) {
  const product = await stripe('/v1/products', { name });
  const form = { product: product.id, currency: 'eur', unit_amount: cents, 'recurring[interval]': 'month' };
  if (meterId) Object.assign(form, { 'recurring[usage_type]': 'metered', 'recurring[meter]': meterId });
  return (await stripe('/v1/prices', form)).id;
}

before(async () => {
  if (!STRIPE) return;
  const flat = await price('Observatory', '1900');
  const hot = await price('Hot storage', '2', await meter('hot_gib_months'));
  const institution = await price('Institution', '9900');
  const dir = mkdtempSync(join(tmpdir(), 'meridian-billing-'));
  const config = join(dir, 'meridian.toml');
  writeFileSync(config, `public_url = "${BASE}"

[billing]
stripe_secret_key = "sk_test_meridian"
stripe_webhook_secret = "${SECRET}"
stripe_api_url = "${STRIPE}"

[[plans]]
key = "starter"
name = "Starter"
hot = { included = "1 GiB" }
cool = { included = "1 GiB" }
cold = { included = "1 GiB" }
max_file = "512 MiB"

[[plans]]
key = "observatory"
name = "Observatory"
monthly_price = "19.00"
stripe_price = "${flat}"
hot = { included = "100 GiB", limit = "1 TiB", overage_per_gib_month = "0.02", stripe_meter = "hot_gib_months", stripe_price = "${hot}" }
cool = { included = "500 GiB" }
cold = { included = "2 TiB" }
max_file = "50 GiB"

[[plans]]
key = "institution"
name = "Institution"
monthly_price = "99.00"
stripe_price = "${institution}"
hot = { included = "5 TiB" }
cool = { included = "20 TiB" }
cold = { included = "100 TiB" }
max_file = "500 GiB"
`);
  // Stripe's webhooks for this server: the stand-in delivers every event it sends to the endpoints registered.
  const r = await fetch(`${STRIPE}/_standin/forward`, {
    method: 'POST',
    body: JSON.stringify({ url: `${BASE}/api/v1/billing/stripe-webhook` }),
  });
  assert.ok(r.ok);
  await server.start({ env: { MERIDIAN_CONFIG: config } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server.stop();
});

const skip = STRIPE ? false : 'STRIPE_API_URL not set (infra/devservices.sh start emulate)';
const hydrated = (page) => page.waitForSelector('body[data-hydrated]');

test('an owner upgrades through Stripe Checkout, sees the new limits, and opens the billing portal', { skip }, async () => {
  const { context, page, errors } = await ownerWithWorkspace(browser, BASE, {
    name: 'Olga Owner', email: 'olga@example.org', workspace: 'Paying Observatory', slug: 'paying',
  });
  await page.goto(`${BASE}/w/paying/storage`);
  await Promise.all([page.waitForURL(`${BASE}/w/paying/billing`), page.click('#billing-link')]);
  await hydrated(page);
  assert.equal(await page.textContent('#billing-plan'), 'Starter');
  assert.match(await page.textContent('#billing-hot'), /of 1\.0 GiB/);

  // To Stripe's payment page, and pay.
  await Promise.all([
    page.waitForURL(/\/checkout\/cs_/),
    page.click('#change-plan button[data-plan=observatory]'),
  ]);
  assert.match(await page.textContent('body'), /Observatory/);
  await Promise.all([
    page.waitForURL(`${BASE}/w/paying/billing?checkout=done`),
    page.click('form[action$="/complete"] button[type=submit]'),
  ]);
  await hydrated(page);
  await page.waitForSelector('#checkout-done');
  // The webhooks came before the browser: the plan and its limits apply already.
  assert.equal(await page.textContent('#billing-plan'), 'Observatory');
  assert.equal(await page.textContent('#subscription-status'), 'active');
  assert.match(await page.textContent('#billing-hot'), /of 1\.0 TiB \(100\.0 GiB included\)/);
  assert.match(await page.textContent('#invoices'), /paid[\s\S]*19\.00 EUR/);
  assert.equal(await page.textContent('#projected-total'), '19.00 EUR');
  // The storage page agrees.
  await page.goto(`${BASE}/w/paying/storage`);
  assert.equal(await page.textContent('#plan'), 'Observatory');

  // A subscriber switches plans on the page: Stripe moves the subscription, its event applies the new plan.
  await page.goto(`${BASE}/w/paying/billing`);
  await hydrated(page);
  assert.equal(await page.locator('#change-plan button[data-plan]').count(), 0, 'no second checkout for a subscriber');
  await page.click('#change-plan button[data-switch=institution]');
  await page.waitForSelector('#plan-change-sent');
  await page.waitForFunction(() => document.querySelector('#billing-plan')?.textContent === 'Institution');
  assert.match(await page.textContent('#billing-hot'), /of 5\.0 TiB/);

  // The portal, and back.
  await Promise.all([page.waitForURL(/\/p\/session\/bps_/), page.click('#open-portal')]);
  assert.match(await page.textContent('#customer'), /^cus_/);
  await Promise.all([page.waitForURL(`${BASE}/w/paying/billing`), page.click('#return')]);
  assert.deepEqual(errors, []);
  await context.close();
});

test('without JavaScript the checkout form still goes to Stripe; a canceled checkout changes nothing', { skip }, async () => {
  const { context, page, errors } = await ownerWithWorkspace(browser, BASE, {
    name: 'Nora Nojs', email: 'nora@example.org', workspace: 'Plain Observatory', slug: 'plain',
  });
  const plain = await browser.newContext({ javaScriptEnabled: false, storageState: await context.storageState() });
  const noJs = await plain.newPage();
  await noJs.goto(`${BASE}/w/plain/billing`);
  await Promise.all([noJs.waitForURL(/\/checkout\/cs_/), noJs.click('#change-plan button[data-plan=observatory]')]);
  // Canceled at Stripe: back on the billing page, nothing changed.
  await noJs.goto(`${BASE}/w/plain/billing?checkout=canceled`);
  assert.match(await noJs.textContent('#checkout-canceled'), /nothing was charged/);
  assert.equal(await noJs.textContent('#billing-plan'), 'Starter');
  await plain.close();
  assert.deepEqual(errors, []);
  await context.close();
});
