// What every page test needs: the built `meridian` binary serving a fresh data directory on a free loopback
// port, a headless Chromium (Debian's, driven by playwright-core), the steps most tests start with, and the mail
// the server sends (the embedded default writes each message as a file in `<data dir>/outbox`).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BIN = process.env.SERVER_BIN ?? 'target/debug/meridian';
export const PASSWORD = 'correct horse battery';
const SITE_ROOT = fileURLToPath(new URL('../../target/site', import.meta.url));
/// Each server's data directory by its base URL (for the outbox helpers, which tests call with the base).
const DATA_DIRS = new Map();

/// A server on a random port in 18000–22999 (each test file runs in its own process); `base` is known before it
/// starts, so tests may build their URL patterns at load time.
export function makeServer() {
  const port = 18000 + Math.floor(Math.random() * 5000);
  const base = `http://127.0.0.1:${port}`;
  let child;
  return {
    base,
    /// A fresh data directory (or `dataDir`), extra environment in `env`, `meridian serve` (or `command`, such as
    /// `demo`); resolves once `/readyz` answers.
    async start({ dataDir, env = {}, command = 'serve' } = {}) {
      const data = dataDir ?? mkdtempSync(join(tmpdir(), 'meridian-browser-'));
      DATA_DIRS.set(base, data);
      child = spawn(BIN, [command, '--bind', `127.0.0.1:${port}`, '--data-dir', data], {
        stdio: ['ignore', 'inherit', 'inherit'],
        // The job worker (which writes the mail) sometimes takes new jobs only at its next heartbeat (every 30 s
        // by default); a short heartbeat keeps a test from waiting that long for a message.
        env: {
          ...process.env, MERIDIAN_LOG: 'warn', MERIDIAN_SITE_ROOT: SITE_ROOT, MERIDIAN_JOBS__HEARTBEAT_SECS: '2', ...env,
        },
      });
      for (let i = 0; i < 600; i++) {
        if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
        try {
          const r = await fetch(`${base}/readyz`);
          if (r.ok) return;
        } catch { /* not up yet */ }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('server did not become ready');
    },
    stop() {
      child?.kill('SIGTERM');
    },
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROME_BIN ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/// Signs up through the page (which leads to "check your inbox"), then signs in; ends on the dashboard. With
/// `confirm`, follows the mailed link to confirm the address first (what invitations, publishing and API keys need).
export async function signUp(page, base, name, email, { confirm = false, password = PASSWORD } = {}) {
  await page.goto(`${base}/sign-up`);
  await page.fill('input[name=display_name]', name);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${base}/sign-up/sent`), page.click('#sign-up-form button[type=submit]')]);
  await signIn(page, base, email, { password });
  if (confirm) {
    await confirmAddress(page, base, email);
    await page.goto(`${base}/dashboard`);
  }
}

/// Signs in through the page; ends on the dashboard.
export async function signIn(page, base, email, { password = PASSWORD } = {}) {
  await page.goto(`${base}/sign-in`);
  await page.fill('#sign-in-form input[name=email]', email);
  await page.fill('#sign-in-form input[name=password]', password);
  await Promise.all([page.waitForURL(`${base}/dashboard`), page.click('#sign-in-form button[type=submit]')]);
}

/// Follows the newest confirmation link mailed to `email` and presses its button; ends on the "confirmed" page.
export async function confirmAddress(page, base, email) {
  const mail = await newestMail(base, email, { subject: /Confirm your e-mail address/ });
  await page.goto(mail.link('/verify-email'));
  await Promise.all([
    page.waitForURL(`${base}/verify-email?confirmed=1`),
    page.click('#verify-form button[type=submit]'),
  ]);
}

/// The messages in `base`'s outbox to `to` (oldest first), each `{ file, subject, text, link(path) }`: `text` is
/// the plain-text part, `link('/verify-email')` the first link in it to that page of the site.
export function outbox(base, to) {
  const dir = join(DATA_DIRS.get(base) ?? '', 'outbox');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml') && !f.startsWith('.'))
    .sort()
    .map((f) => parseMail(join(dir, f), base))
    .filter((m) => m.to.toLowerCase().includes(to.toLowerCase()));
}

/// Waits (up to 15 s) until `base`'s outbox holds more than `after` messages to `to` whose subject matches
/// `subject`, and returns the newest.
export async function newestMail(base, to, { subject = /./, after = 0, timeout = 15_000 } = {}) {
  const until = Date.now() + timeout;
  for (;;) {
    const found = outbox(base, to).filter((m) => subject.test(m.subject));
    if (found.length > after) return found[found.length - 1];
    if (Date.now() > until) {
      throw new Error(`no mail to ${to} matching ${subject} (${found.length} found, wanted more than ${after})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/// An outbox file: the headers we need and the text part (bodies are not transfer-encoded there).
function parseMail(file, base) {
  const raw = readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  const split = raw.indexOf('\n\n');
  // Folded header lines continue with white space.
  const head = raw.slice(0, split).replace(/\n[ \t]+/g, ' ');
  const header = (name) => (head.match(new RegExp(`^${name}:[ \t]*(.*)$`, 'mi')) ?? [])[1] ?? '';
  const body = raw.slice(split + 2);
  const boundary = (head.match(/boundary="?([^";\s]+)"?/i) ?? [])[1];
  const plain = boundary && body.split(`--${boundary}`).find((p) => /^\s*Content-Type: text\/plain/i.test(p));
  const text = plain ? plain.slice(plain.indexOf('\n\n') + 2) : body;
  return {
    file,
    to: header('To'),
    subject: header('Subject'),
    text,
    link(path) {
      const escaped = `${base}${path}`.replace(/[.?*+^$()[\]{}|\\/]/g, '\\$&');
      const m = text.match(new RegExp(`${escaped}[^\\s<>"]*`));
      if (!m) throw new Error(`no link to ${path} in the mail "${this.subject}" (${file}):\n${text}`);
      return m[0];
    },
  };
}

/// Creates a workspace from the dashboard's form; ends on its settings page.
export async function createWorkspace(page, base, name, slug) {
  await page.fill('#create-workspace-form input[name=name]', name);
  await page.fill('#create-workspace-form input[name=slug]', slug);
  await Promise.all([
    page.waitForURL(`${base}/w/${slug}/settings`),
    page.click('#create-workspace-form button[type=submit]'),
  ]);
}

/// A fresh browser context whose page has signed up (address confirmed) and made a workspace (ending on its
/// settings page): the context, the page, and the script errors collected from then on (except those `expected`
/// matches).
export async function ownerWithWorkspace(browser, base, { name, email, workspace, slug, expected = null }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page, expected);
  await signUp(page, base, name, email, { confirm: true });
  await createWorkspace(page, base, workspace, slug);
  return { context, page, errors };
}

/// Collects script errors and console errors (except those `expected` matches).
export function watchErrors(page, expected = null) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !(expected && expected.test(m.text()))) errors.push(m.text());
  });
  return errors;
}
