// A protocol-level stand-in for the parts of Stripe that no Stripe-compatible server installable here serves,
// in front of `emulate` (npm), which serves the rest. Meridian's Stripe client talks to this one URL.
//
//   emulate (real code, from npm)      customers, prices, Checkout Sessions with a hosted payment page
//   this stand-in (ours, on loopback)  Billing Meters and their events, metered prices (on a meter), Billing
//                                      Portal sessions with a small hosted page, subscriptions and invoices made
//                                      when a checkout completes (read and moved to other prices), idempotency keys
//
// Everything under /v1 it does not serve itself is passed to emulate unchanged. emulate's webhooks come here
// (its seed points at /_standin/inbound); the stand-in completes a finished checkout as Stripe does (the session
// names its new subscription; `customer.subscription.created` and `invoice.paid` follow) and delivers every event,
// signed with Stripe's v1 scheme, to the endpoints registered with `POST /_standin/forward`. It keeps every event
// it delivered (`GET /_standin/events`) and every meter event (`GET /_standin/meter_events`), so tests can check
// Stripe's side.
//
// Usage: node stripe-standin.mjs PORT UPSTREAM_URL WEBHOOK_SECRET

import http from 'node:http';
import crypto from 'node:crypto';

const [port, upstream, secret] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
if (!port || !upstream || !secret) {
  console.error('usage: node stripe-standin.mjs PORT UPSTREAM_URL WEBHOOK_SECRET');
  process.exit(2);
}
const base = `http://127.0.0.1:${port}`;

const state = {
  idempotent: new Map(), // Idempotency-Key (with the method and path) -> {request, status, body}
  sessions: new Map(), // checkout session id -> the form it was made with
  subscriptions: new Map(), // id -> subscription
  portal: new Map(), // portal session id -> session
  meters: new Map(), // event name -> meter
  meteredPrices: new Map(), // price id -> meter id
  meterEvents: [], // in the order received
  meterIdentifiers: new Set(),
  events: [], // every event delivered, with its body and signature
  forward: new Set(), // webhook endpoints
};

const now = () => Math.floor(Date.now() / 1000);
const id = (prefix) => `${prefix}_${crypto.randomBytes(12).toString('hex')}`;

/** `a[b][0][c]=v` form bodies into nested objects (arrays for numeric keys), as Stripe reads them. */
function parseForm(text) {
  const out = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.replace(/\]/g, '').split('[');
    let node = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) {
        node[part] = value;
      } else {
        node[part] ??= /^\d+$/.test(path[i + 1]) ? [] : {};
        node = node[part];
      }
    });
  }
  return out;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json', ...headers });
  res.end(text);
}

function stripeError(res, status, message, param, code) {
  send(res, status, { error: { type: 'invalid_request_error', message, param, code } });
}

/** Signs and delivers an event to every registered endpoint, one after the other (Stripe retries; we report). */
async function deliver(type, object) {
  const event = {
    id: id('evt'),
    object: 'event',
    api_version: '2026-09-30',
    created: now(),
    livemode: false,
    type,
    data: { object },
  };
  const body = JSON.stringify(event);
  const t = now();
  const signature = `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
  state.events.push({ id: event.id, type, body, signature });
  for (const url of state.forward) {
    try {
      const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
      if (!r.ok) console.error(`delivery of ${type} to ${url}: ${r.status}`);
    } catch (e) {
      console.error(`delivery of ${type} to ${url}: ${e.message}`);
    }
  }
}

async function upstreamJson(path, init = {}) {
  const r = await fetch(`${upstream}${path}`, init);
  return { status: r.status, body: await r.json().catch(() => ({})) };
}

/** Stripe's rule for a line's quantity: none on a metered price; required elsewhere where `required`. */
function quantityError(line, param, required) {
  const metered = state.meteredPrices.has(line.price);
  if (metered && line.quantity !== undefined) return 'Quantity should not be specified where usage_type is `metered`.';
  if (!metered && required && line.quantity === undefined) return `Missing required param: ${param}.`;
  return null;
}

function subscriptionItem(price, quantity, created) {
  const metered = state.meteredPrices.has(price);
  return {
    id: id('si'),
    object: 'subscription_item',
    price: { id: price, object: 'price', recurring: metered ? { usage_type: 'metered', meter: state.meteredPrices.get(price) } : { usage_type: 'licensed' } },
    quantity: metered ? undefined : Number(quantity ?? 1),
    current_period_start: created,
    current_period_end: created + 30 * 86400,
  };
}

function subscriptionFor(session, form) {
  const created = now();
  const items = (form.line_items ?? []).map((li) => subscriptionItem(li.price, li.quantity, created));
  return {
    id: id('sub'),
    object: 'subscription',
    customer: session.customer,
    status: 'active',
    cancel_at_period_end: false,
    created,
    start_date: created,
    ended_at: null,
    metadata: form.subscription_data?.metadata ?? {},
    items: { object: 'list', data: items },
  };
}

/** emulate says a checkout completed: finish it as Stripe would, then tell the endpoints. */
async function inbound(event) {
  const object = event?.data?.object ?? {};
  if (event.type !== 'checkout.session.completed' || !state.sessions.has(object.id)) {
    return deliver(event.type, object);
  }
  const form = state.sessions.get(object.id);
  const sub = subscriptionFor(object, form);
  state.subscriptions.set(sub.id, sub);
  const session = { ...object, client_reference_id: form.client_reference_id ?? null, subscription: sub.id, metadata: form.metadata ?? object.metadata ?? {} };
  await deliver('checkout.session.completed', session);
  await deliver('customer.subscription.created', sub);
  const prices = await Promise.all(
    (form.line_items ?? []).filter((li) => !state.meteredPrices.has(li.price)).map((li) => upstreamJson(`/v1/prices/${encodeURIComponent(li.price)}`, { headers: { authorization: 'Bearer sk_test_standin' } })),
  );
  const amount = prices.reduce((sum, p) => sum + (Number(p.body.unit_amount) || 0), 0);
  const item = sub.items.data[0];
  await deliver('invoice.paid', {
    id: id('in'),
    object: 'invoice',
    customer: sub.customer,
    status: 'paid',
    amount_due: amount,
    amount_paid: amount,
    currency: prices[0]?.body.currency ?? 'eur',
    hosted_invoice_url: `${base}/i/${sub.id}`,
    period_start: item?.current_period_start ?? sub.created,
    period_end: item?.current_period_end ?? sub.created,
    created: now(),
    parent: { type: 'subscription_details', subscription_details: { subscription: sub.id } },
  });
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function portalPage(session) {
  const subs = [...state.subscriptions.values()].filter((s) => s.customer === session.customer);
  const rows = subs.map((s) => `<li id="${escape(s.id)}">${escape(s.id)}: <strong>${escape(s.status)}</strong></li>`).join('');
  const cancel = subs.some((s) => s.status !== 'canceled')
    ? `<form method="post" action="/p/session/${escape(session.id)}/cancel"><button type="submit" id="cancel-subscription">Cancel subscription</button></form>`
    : '';
  return `<!doctype html><html><head><title>Billing portal (test stand-in)</title><link rel="icon" href="data:,"></head><body>
<h1>Billing portal</h1><p>Customer <code id="customer">${escape(session.customer)}</code> (Stripe test stand-in).</p>
<ul id="subscriptions">${rows}</ul>${cancel}
<p><a id="return" href="${escape(session.return_url)}">Return to Meridian</a></p></body></html>`;
}

async function handle(req, res) {
  const url = new URL(req.url, base);
  const raw = await readBody(req);
  const text = raw.toString('utf8');

  // The stand-in's own controls.
  if (url.pathname === '/_standin/inbound' && req.method === 'POST') {
    await inbound(JSON.parse(text || '{}'));
    return send(res, 200, { received: true });
  }
  if (url.pathname === '/_standin/forward' && req.method === 'POST') {
    state.forward.add(JSON.parse(text).url);
    return send(res, 200, { forward: [...state.forward] });
  }
  if (url.pathname === '/_standin/events' && req.method === 'GET') return send(res, 200, { data: state.events });
  if (url.pathname === '/_standin/meter_events' && req.method === 'GET') return send(res, 200, { data: state.meterEvents });
  if (url.pathname === '/' && req.method === 'GET') return send(res, 200, { standin: true, upstream });

  // The hosted portal page.
  const page = url.pathname.match(/^\/p\/session\/([\w]+)(\/cancel)?$/);
  if (page) {
    const session = state.portal.get(page[1]);
    if (!session) return send(res, 404, '<p>No such portal session.</p>');
    if (page[2] && req.method === 'POST') {
      for (const s of state.subscriptions.values()) {
        if (s.customer === session.customer && s.status !== 'canceled') {
          Object.assign(s, { status: 'canceled', ended_at: now(), canceled_at: now() });
          await deliver('customer.subscription.deleted', s);
        }
      }
      res.writeHead(303, { location: `/p/session/${session.id}` });
      return res.end();
    }
    return send(res, 200, portalPage(session));
  }

  if (!url.pathname.startsWith('/v1/')) return send(res, 404, { error: { type: 'invalid_request_error', message: 'Unrecognized request URL' } });
  if (!/^(Bearer|Basic) /.test(req.headers.authorization ?? '')) {
    return send(res, 401, { error: { type: 'invalid_request_error', message: 'You did not provide an API key.' } });
  }

  // Idempotency: the same key on the same request answers what it answered first.
  const key = req.method === 'POST' && req.headers['idempotency-key'] ? `${url.pathname} ${req.headers['idempotency-key']}` : null;
  if (key && state.idempotent.has(key)) {
    const first = state.idempotent.get(key);
    if (first.request !== text) {
      return stripeError(res, 400, `Keys for idempotent requests can only be used with the same parameters they were first used with.`, undefined, 'idempotency_error');
    }
    return send(res, first.status, first.body, { 'idempotent-replayed': 'true' });
  }
  const answer = (status, body) => {
    if (key && status < 500) state.idempotent.set(key, { request: text, status, body });
    send(res, status, body);
  };
  const form = parseForm(text);

  if (url.pathname === '/v1/billing/meters' && req.method === 'POST') {
    if (!form.event_name) return stripeError(res, 400, 'Missing required param: event_name.', 'event_name');
    if (!form.display_name) return stripeError(res, 400, 'Missing required param: display_name.', 'display_name');
    if (state.meters.has(form.event_name)) {
      return stripeError(res, 400, `A meter with event_name ${form.event_name} already exists.`, 'event_name');
    }
    const meter = {
      id: id('mtr'),
      object: 'billing.meter',
      created: now(),
      display_name: form.display_name,
      event_name: form.event_name,
      status: 'active',
      default_aggregation: { formula: form.default_aggregation?.formula ?? 'sum' },
      customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
      value_settings: { event_payload_key: 'value' },
      livemode: false,
    };
    state.meters.set(meter.event_name, meter);
    return answer(200, meter);
  }
  if (url.pathname === '/v1/billing/meters' && req.method === 'GET') return send(res, 200, { object: 'list', data: [...state.meters.values()] });

  // Metered prices bill a meter (API 2025-03-31 and later): the meter must exist; emulate keeps the price.
  if (url.pathname === '/v1/prices' && req.method === 'POST' && form.recurring?.usage_type === 'metered') {
    const meter = [...state.meters.values()].find((m) => m.id === form.recurring?.meter);
    if (!meter) return stripeError(res, 400, 'Metered prices must reference an existing meter: recurring[meter].', 'recurring[meter]');
  }

  if (url.pathname === '/v1/billing/meter_events' && req.method === 'POST') {
    const value = form.payload?.value;
    if (!form.event_name) return stripeError(res, 400, 'Missing required param: event_name.', 'event_name');
    if (!form.payload?.stripe_customer_id) return stripeError(res, 400, 'Missing required param: payload[stripe_customer_id].', 'payload');
    if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return stripeError(res, 400, 'payload[value] must be a non-negative number.', 'payload');
    if (!state.meters.has(form.event_name)) {
      return stripeError(res, 400, `No active meter was found matching the event_name ${form.event_name}.`, 'event_name', 'resource_missing');
    }
    const identifier = form.identifier ?? id('mev');
    if (state.meterIdentifiers.has(identifier)) {
      return stripeError(res, 400, `An event already exists with identifier ${identifier}.`, 'identifier', 'duplicate_meter_event');
    }
    const ts = form.timestamp ? Number(form.timestamp) : now();
    if (ts < now() - 35 * 86400 || ts > now() + 300) return stripeError(res, 400, 'timestamp must be within the past 35 days.', 'timestamp');
    state.meterIdentifiers.add(identifier);
    const event = { object: 'billing.meter_event', created: now(), event_name: form.event_name, identifier, livemode: false, payload: form.payload, timestamp: ts };
    state.meterEvents.push(event);
    return answer(200, event);
  }

  // Subscriptions (made when a checkout completes): read, and moved to other prices.
  const subPath = url.pathname.match(/^\/v1\/subscriptions\/(\w+)$/);
  if (subPath) {
    const sub = state.subscriptions.get(subPath[1]);
    if (!sub) return stripeError(res, 404, `No such subscription: '${subPath[1]}'`, 'id', 'resource_missing');
    if (req.method === 'GET') return send(res, 200, sub);
    if (req.method === 'DELETE') {
      if (sub.status !== 'canceled') {
        Object.assign(sub, { status: 'canceled', ended_at: now(), canceled_at: now() });
        await deliver('customer.subscription.deleted', sub);
      }
      return answer(200, sub);
    }
    if (req.method !== 'POST') return stripeError(res, 405, `Unrecognized request: ${req.method}`);
    if (sub.status === 'canceled') {
      return stripeError(res, 400, 'A canceled subscription can only update its cancellation_details and metadata.');
    }
    const items = [...sub.items.data];
    for (const [i, change] of (form.items ?? []).entries()) {
      if (change.id) {
        const at = items.findIndex((it) => it.id === change.id);
        if (at < 0) return stripeError(res, 400, `No such subscription item: '${change.id}'`, `items[${i}][id]`);
        if (change.deleted === 'true') items.splice(at, 1);
        continue;
      }
      if (!change.price) return stripeError(res, 400, `Missing required param: items[${i}][price].`, `items[${i}][price]`);
      const refused = quantityError(change, `items[${i}][quantity]`, false);
      if (refused) return stripeError(res, 400, refused, `items[${i}][quantity]`);
      if (!state.meteredPrices.has(change.price)) {
        const known = await upstreamJson(`/v1/prices/${encodeURIComponent(change.price)}`, { headers: { authorization: req.headers.authorization } });
        if (known.status !== 200) return stripeError(res, 400, `No such price: '${change.price}'`, `items[${i}][price]`, 'resource_missing');
      }
      if (items.some((it) => it.price.id === change.price)) {
        return stripeError(res, 400, `Cannot add multiple subscription items with the same price: ${change.price}`, `items[${i}][price]`);
      }
      items.push(subscriptionItem(change.price, change.quantity, now()));
    }
    sub.items.data = items;
    sub.metadata = { ...sub.metadata, ...(form.metadata ?? {}) };
    await deliver('customer.subscription.updated', sub);
    return answer(200, sub);
  }

  if (url.pathname === '/v1/billing_portal/sessions' && req.method === 'POST') {
    if (!form.customer) return stripeError(res, 400, 'Missing required param: customer.', 'customer');
    const customer = await upstreamJson(`/v1/customers/${encodeURIComponent(form.customer)}`, { headers: { authorization: req.headers.authorization } });
    if (customer.status !== 200) return stripeError(res, 400, `No such customer: '${form.customer}'`, 'customer', 'resource_missing');
    const session = {
      id: id('bps'),
      object: 'billing_portal.session',
      created: now(),
      customer: form.customer,
      livemode: false,
      return_url: form.return_url ?? null,
    };
    session.url = `${base}/p/session/${session.id}`;
    state.portal.set(session.id, session);
    return answer(200, session);
  }

  // Everything else is emulate's.
  const headers = { authorization: req.headers.authorization };
  if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
  const init = { method: req.method, headers };
  if (!['GET', 'HEAD'].includes(req.method)) init.body = raw;
  if (url.pathname === '/v1/checkout/sessions' && req.method === 'POST') {
    // Stripe takes no quantity on a metered price's line (usage comes from the meter) and wants one on the others;
    // emulate wants one on every line: it gets a 1 for the metered ones.
    const params = new URLSearchParams(text);
    for (const [i, li] of (form.line_items ?? []).entries()) {
      const refused = quantityError(li, `line_items[${i}][quantity]`, true);
      if (refused) return stripeError(res, 400, refused, `line_items[${i}][quantity]`);
      if (state.meteredPrices.has(li.price)) params.set(`line_items[${i}][quantity]`, '1');
    }
    init.body = params.toString();
  }
  const r = await fetch(`${upstream}${url.pathname}${url.search}`, init);
  const body = await r.json().catch(() => ({ error: { type: 'api_error', message: 'upstream answered no JSON' } }));
  if (url.pathname === '/v1/checkout/sessions' && req.method === 'POST' && r.status === 200) {
    state.sessions.set(body.id, form);
  }
  if (url.pathname === '/v1/prices' && req.method === 'POST' && r.status === 200 && form.recurring?.usage_type === 'metered') {
    state.meteredPrices.set(body.id, form.recurring.meter);
  }
  return answer(r.status, body);
}

http
  .createServer((req, res) => {
    handle(req, res).catch((e) => {
      console.error(e);
      if (!res.headersSent) send(res, 500, { error: { type: 'api_error', message: String(e.message) } });
    });
  })
  .listen(port, '127.0.0.1', () => console.log(`stripe stand-in on ${base}, in front of ${upstream}`));
