// The CVAT integration in a real browser: headless Debian chromium driven by playwright-core.
//   node cvat-browser.mjs <site> <output folder>
// <site> is nginx in front of socialgate and the CVAT-like server (tests/cvat/harness.py starts
// them). Each step writes a screenshot into the output folder; any failed check exits 1.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [site, outDir] = process.argv.slice(2);
if (!site || !outDir) {
  console.error('usage: node cvat-browser.mjs <site> <output folder>');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const STEP_TIMEOUT = 15000;

const shots = [];
let step = 0;
async function shot(page, name) {
  const file = `${String(++step).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path: join(outDir, file), fullPage: true });
  shots.push(file);
  console.log(`screenshot ${file}: ${page.url()}`);
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  console.log(`ok: ${message}`);
}

// The Django user's name as the CVAT-like page renders it from its own /api/users/self.
async function signedInName(page) {
  await page.waitForURL(`${site}/`, { timeout: STEP_TIMEOUT });
  const name = page.locator('#name');
  await name.waitFor({ timeout: STEP_TIMEOUT });
  return (await name.textContent()).trim();
}

async function signOut(page, label) {
  await page.click('#logout');
  await page.waitForURL(`${site}/auth/login`, { timeout: STEP_TIMEOUT });
  await page.locator('#signed-out').waitFor({ timeout: STEP_TIMEOUT });
  await shot(page, `${label}-signed-out`);
  // Signed out for real: the app's own page goes back to the login page, and Django refuses.
  await page.goto(`${site}/`);
  await page.waitForURL(`${site}/auth/login`, { timeout: STEP_TIMEOUT });
  const self = await page.request.get(`${site}/api/users/self`);
  check([401, 403].includes(self.status()), `${label}: signed out of Django (/api/users/self ${self.status()})`);
}

const ACCOUNT = `${site}/api/auth/social/account/`;

// Signs in with GitHub as `login` from the app's login page, in whatever context `page` lives.
async function githubSignIn(page, login) {
  await page.goto(`${site}/auth/login`);
  const github = page.getByText('Sign in with GitHub');
  await github.waitFor({ timeout: STEP_TIMEOUT });
  await github.click();
  const pick = page.locator(`button[name="dev_login"][value="${login}"]`);
  await pick.waitFor({ timeout: STEP_TIMEOUT });
  return pick;
}

async function sessionRows(page) {
  return page.locator('tr.session').count();
}

// socialgate's account page, reached from the app's "Account" link: who is signed in, the
// sessions (this one marked), and "sign out this one" on the other browser's session.
async function accountPage(page, label, { fullName, provider, otherSession, linkTo }) {
  await page.click('#account');
  await page.waitForURL(/\/api\/auth\/social\/account\/?$/, { timeout: STEP_TIMEOUT });
  await page.locator('#full-name').waitFor({ timeout: STEP_TIMEOUT });
  check((await page.locator('#full-name').textContent()) === fullName, `${label}: the account page names ${fullName}`);
  check((await page.locator('#provider').textContent()) === provider, `${label}: ... signed in through ${provider}`);
  check(await page.locator('tr.session[data-current="true"]').count() === 1, `${label}: this browser's session is marked`);
  await shot(page, `${label}-account-page`);
  if (linkTo) {
    // "Link <provider>" is a form post that socialgate answers with a redirect to the IdP: the
    // browser must follow it (a CSP form-action would block it). The IdP's page is as far as
    // this goes: picking a user there would link that person to this account.
    await page.getByRole('button', { name: `Link ${linkTo}` }).click();
    await page.locator('button[name="dev_login"]').first().waitFor({ timeout: STEP_TIMEOUT });
    check(!page.url().startsWith(site) && page.url().includes('/authorize'), `${label}: "Link ${linkTo}" reached the IdP's page`);
    await shot(page, `${label}-link-${linkTo.toLowerCase()}-idp-page`);
    await page.goto(ACCOUNT);
    await page.locator('#full-name').waitFor({ timeout: STEP_TIMEOUT });
  }
  if (otherSession) {
    const before = await sessionRows(page);
    check(before === 2, `${label}: both sessions listed (${before})`);
    await page.getByRole('button', { name: 'Sign out this one' }).click();
    await page.waitForURL(/\/api\/auth\/social\/account\/?$/, { timeout: STEP_TIMEOUT });
    check(await sessionRows(page) === 1, `${label}: "sign out this one" left one session`);
    await shot(page, `${label}-account-other-session-signed-out`);
    // The other browser is signed out of socialgate at once.
    await otherSession.goto(ACCOUNT);
    await otherSession.getByText('You are not signed in.').waitFor({ timeout: STEP_TIMEOUT });
    await shot(otherSession, `${label}-other-browser-signed-out`);
  }
}

// Signs out with the account page's button (a plain form post, no script) and waits until the
// app, too, sends the browser to its login page (CVAT rechecks within SOCIALGATE_RECHECK_SECONDS).
async function signOutOnAccountPage(page, label) {
  await page.goto(ACCOUNT);
  await page.click('#sign-out');
  await page.getByText('You are signed out.').waitFor({ timeout: STEP_TIMEOUT });
  check(await page.getByText('Sign in with GitHub').count() === 1, `${label}: the signed-out page offers to sign in again`);
  await shot(page, `${label}-account-signed-out`);
  const deadline = Date.now() + STEP_TIMEOUT;
  for (;;) {
    await page.goto(`${site}/`);
    await page.waitForLoadState('networkidle');
    if (page.url() === `${site}/auth/login`) break;
    if (Date.now() > deadline) throw new Error(`${label}: the app still shows ${page.url()} after sign-out`);
    await page.waitForTimeout(200);  // poll interval while waiting for the recheck, not a synchronisation
  }
  await page.locator('#signed-out').waitFor({ timeout: STEP_TIMEOUT });
  await shot(page, `${label}-app-signed-out`);
  const self = await page.request.get(`${site}/api/users/self`);
  check([401, 403].includes(self.status()), `${label}: signed out of Django (/api/users/self ${self.status()})`);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking'],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();

  // GitHub: the login page, the button, the dev IdP's page (pick a user), back in the app.
  await page.goto(`${site}/auth/login`);
  const github = page.getByText('Sign in with GitHub');
  await github.waitFor({ timeout: STEP_TIMEOUT });
  await shot(page, 'login-page');
  await github.click();
  await page.locator('button[name="dev_login"][value="alicegh"]').waitFor({ timeout: STEP_TIMEOUT });
  await shot(page, 'github-idp-page');
  await page.click('button[name="dev_login"][value="alicegh"]');
  check((await signedInName(page)) === 'Alice Liddell', 'GitHub: the Django user\'s name is shown');
  check((await page.locator('#groups').textContent()).trim() === 'user', 'GitHub: in the default role group');
  await shot(page, 'github-signed-in');
  // A second browser (another context: its own cookies) signs in as the same person.
  const phone = await (await browser.newContext({ viewport: { width: 1000, height: 700 } })).newPage();
  await (await githubSignIn(phone, 'alicegh')).click();
  check((await signedInName(phone)) === 'Alice Liddell', 'GitHub: the second browser is the same person');
  await accountPage(page, 'github', { fullName: 'Alice Liddell', provider: 'GitHub', otherSession: phone, linkTo: 'Google' });
  await page.goto(`${site}/`);
  await signOut(page, 'github');

  // Google: the same from the signed-out login page; the dev IdP's page is submitted like a person.
  const google = page.getByText('Sign in with Google');
  await google.waitFor({ timeout: STEP_TIMEOUT });
  await google.click();
  await page.locator('button[name="dev_login"][value="gwendolyn"]').waitFor({ timeout: STEP_TIMEOUT });
  await shot(page, 'google-idp-page');
  await page.click('button[name="dev_login"][value="gwendolyn"]');
  check((await signedInName(page)) === 'Gwen Stacy', 'Google: the Django user\'s name is shown');
  await shot(page, 'google-signed-in');
  await accountPage(page, 'google', { fullName: 'Gwen Stacy', provider: 'Google' });
  await signOutOnAccountPage(page, 'google');
  console.log(`screenshots in ${outDir}: ${shots.join(', ')}`);
} catch (error) {
  failed = true;
  console.error(error);
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length) await shot(pages[0], 'failure');
  } catch (_) { /* the browser is gone */ }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
