// tests/browser/dashboard.mjs — the review dashboard in a real browser:
// headless Chromium (Debian's, never a downloaded one) driven by
// playwright-core. Run by tests/t1930-dashboard-browser.t, which prepares the
// store and the daemon and checks the store afterwards; this script clicks
// and reads like a person and prints one TAP-style line per check
// ("ok - ..." / "not ok - ..."), which the .t file numbers.
//
// Environment: DASH_URL (http://127.0.0.1:PORT), CHROMIUM (the executable),
// SCREENSHOT (PNG to write), and what the page must show: EXPECT_PENDING,
// EXPECT_COST, APPROVE_ID, REJECT_ID, XSS_ID, XSS_BODY, REPLY_ID, and
// WA_OPEN_ID, WA_CLOSED_ID (WhatsApp messages inside and outside the window).
// With SCREENSHOT_ONLY=1 it only loads the staged tab and takes the picture
// (contrib/dashboard.png is made so).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'node', 'package.json'));
const { chromium } = require('playwright-core');

const env = (k, d) => process.env[k] ?? d;
const base = env('DASH_URL');
let failed = 0;
function check(desc, cond, detail) {
  console.log(`${cond ? 'ok' : 'not ok'} - ${desc}`);
  if (!cond) {
    failed++;
    if (detail !== undefined) console.log(`#   ${String(detail).split('\n').join('\n#   ')}`);
  }
}

const browser = await chromium.launch({
  executablePath: env('CHROMIUM', '/usr/bin/chromium'),
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
const dialogs = [], errors = [], csp = [];
page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
page.on('pageerror', (e) => errors.push(e.message));
page.on('console', (m) => {
  if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) csp.push(m.text());
});

try {
  if (env('SCREENSHOT_ONLY') === '1') {
    await page.goto(`${base}/review`);
    await page.screenshot({ path: env('SCREENSHOT'), fullPage: false });
    check('screenshot written', true);
  } else {
    await run();
  }
} catch (e) {
  check('the walk through the dashboard finished', false, e.stack || e);
  await page.screenshot({ path: env('SCREENSHOT'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

async function run() {
  // 1. The staged tab, with its counts and cost.
  const resp = await page.goto(`${base}/review`);
  check('GET /review lands on the staged tab (200)', resp.status() === 200 && /\/review\/staged$/.test(page.url()), `${resp.status()} ${page.url()}`);
  check('the page has a Content-Security-Policy', /default-src 'none'/.test(resp.headers()['content-security-policy'] || ''));
  const rows = await page.locator('table.staged tbody tr').count();
  check(`every staged message is listed (${env('EXPECT_PENDING')})`, String(rows) === env('EXPECT_PENDING'), rows);
  check('the pending count is shown', (await page.textContent('#pending-total')) === env('EXPECT_PENDING'));
  check('the tab shows the count too', (await page.textContent('#count-pending')) === env('EXPECT_PENDING'));
  const cost = await page.textContent('#page-cost');
  check(`the page's estimated cost is shown (${env('EXPECT_COST')})`, cost === env('EXPECT_COST'), cost);
  const a = env('APPROVE_ID'), r = env('REJECT_ID');
  const cells = await page.locator(`#m${a} td`).allTextContents();
  check('a row shows characters, encoding, segments and cost',
        cells.some((c) => /^GSM-7$|^UCS-2$/.test(c)) && cells.some((c) => /^\d+\.\d{4} USD$/.test(c)), cells.join(' | '));
  check('an MMS shows its media preview', (await page.locator('table.staged img[src^="https://"]').count()) > 0);
  check('the script is loaded (the select-all box is shown)', await page.locator('input.select-all').isVisible());

  // 2. Approve one, reject one with a reason, by clicking.
  await Promise.all([page.waitForURL(/note=decided/), page.click(`#m${a} button.approve`)]);
  check('Approve answers with a note', /Approved 1 message/.test(await page.textContent('p.note')));
  check('...and the message leaves the queue', (await page.locator(`#m${a}`).count()) === 0);
  await page.fill(`input[name="reason-${r}"]`, 'wrong date');
  await Promise.all([page.waitForURL(/note=decided/), page.press(`input[name="reason-${r}"]`, 'Enter')]);
  check('Enter in the reason field rejects that message', /Rejected 1 message/.test(await page.textContent('p.note')));
  check('...which leaves the queue', (await page.locator(`#m${r}`).count()) === 0);
  check('...and the count went down by two', String(Number(env('EXPECT_PENDING')) - 2) === await page.textContent('#pending-total'));

  // 3. The inbox: a hostile body is text, nothing runs.
  await Promise.all([page.waitForURL(/\/review\/inbox$/), page.click('nav a[href="inbox"]')]);
  const xss = await page.locator(`#m${env('XSS_ID')} .body`).first().textContent();
  check('the <script> body is shown as text, exactly', xss === env('XSS_BODY'), xss);
  check('...no script element came from it', (await page.evaluate(() => document.scripts.length)) === 1);
  check('unread messages come first, marked unread', (await page.locator('section.unread article.msg.unread').count()) >= 2);

  // 4. Reply, watching the live counter.
  const id = env('REPLY_ID');
  const card = page.locator(`section.unread #m${id}`);
  await card.locator('summary').click();
  const box = card.locator('textarea');
  const counter = card.locator('output.counter');
  await box.pressSequentially('We are open 9-5', { delay: 20 });
  await page.waitForFunction((el) => /^15 characters · GSM-7 · 1 segment/.test(el.textContent),
                             await counter.elementHandle());
  check('the counter counts while typing (15 characters, GSM-7, 1 segment)', true);
  await box.pressSequentially(' \u2705', { delay: 20 });
  await page.waitForFunction((el) => el.getAttribute('data-encoding') === 'UCS-2', await counter.elementHandle());
  check('an emoji turns the preview to UCS-2', /UCS-2/.test(await counter.textContent()), await counter.textContent());
  await box.pressSequentially(' Monday to Friday, and on Saturdays from ten until two. See you soon!', { delay: 5 });
  await page.waitForFunction((el) => el.getAttribute('data-segments') === '2', await counter.elementHandle());
  check('past 70 UCS-2 units the preview says 2 segments', /2 segments/.test(await counter.textContent()), await counter.textContent());
  await box.pressSequentially(' Reply CONFIRM or CANCEL', { delay: 5 });
  await page.waitForFunction((el) => /asks for the reply CANCEL/.test(el.textContent), await counter.elementHandle());
  check('a prompt for CANCEL gets the keyword warning in the counter', /opts the customer out of all messages/.test(await counter.textContent()), await counter.textContent());
  await Promise.all([page.waitForURL(/note=replied/), card.locator('button[type=submit]', { hasText: 'Send reply' }).click()]);
  const note = await page.textContent('p.note');
  check('Send reply answers with the reply and its status', /^Reply #\d+ to \+1\d+: (sent|queued|delivered)\.$/.test(note), note);
  check('...and the message is no longer unread', (await page.locator(`section.unread #m${id}`).count()) === 0);

  // 5. WhatsApp: the channel on the card, free text with a character count
  // inside the 24-hour window, a template form outside it that the browser
  // itself refuses to send with a malformed Content SID.
  if (env('WA_OPEN_ID') && env('WA_CLOSED_ID')) {
    await page.goto(`${base}/review/inbox`);
    const open = page.locator(`section.unread #m${env('WA_OPEN_ID')}`);
    check('a WhatsApp message shows its channel', (await open.locator('header .channel').textContent()) === 'WhatsApp');
    await open.locator('summary').click();
    check('...inside the window its reply form says until when', /WhatsApp window open until/.test(await open.locator('p.window').textContent()));
    const waCounter = open.locator('output.counter');
    await open.locator('textarea').pressSequentially('Hello', { delay: 20 });
    await page.waitForFunction((el) => /WhatsApp/.test(el.textContent), await waCounter.elementHandle());
    check('...and its counter counts characters, no SMS segments', (await waCounter.textContent()) === '5 characters \u00b7 WhatsApp: no SMS segments', await waCounter.textContent());
    const closed = page.locator(`section.unread #m${env('WA_CLOSED_ID')}`);
    check('outside the window the reply is a template', (await closed.locator('summary').textContent()) === 'Reply with a template');
    await closed.locator('summary').click();
    check('...the form says the window closed', /WhatsApp window closed at/.test(await closed.locator('p.window').textContent()));
    check('...and has no free text', (await closed.locator('textarea[name=body]').count()) === 0);
    const sid = closed.locator('input[name=content_sid]');
    await sid.fill('HX123');
    const before = page.url();
    await closed.locator('button[type=submit]', { hasText: 'Send template' }).click();
    await page.waitForTimeout(300);
    check('a malformed Content SID is refused by the browser, nothing sent',
          page.url() === before && await sid.evaluate((el) => !el.checkValidity()), page.url());
  }

  await page.goto(`${base}/review/staged`);
  await page.screenshot({ path: env('SCREENSHOT'), fullPage: true });
  check('no dialog opened, ever', dialogs.length === 0, dialogs.join('; '));
  check('no script error', errors.length === 0, errors.join('; '));
  check('nothing was refused by the Content-Security-Policy', csp.length === 0, csp.join('; '));
}
