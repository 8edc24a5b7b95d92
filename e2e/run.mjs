// Browser end-to-end run: every role logs in, sees its home page, switches language;
// screenshots go to $ARTIFACTS. Usage: node e2e/run.mjs http://127.0.0.1:PORT
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const base = process.argv[2];
const out = process.env.ARTIFACTS || 'ci-artifacts';
mkdirSync(out, { recursive: true });
const password = 'Sanshe@2026';
const roles = ['district', 'street', 'community', 'org', 'worker', 'evaluator', 'resident', 'sysadmin', 'secadmin', 'auditadmin'];
// What each role must (and must not) find in its navigation.
const nav = {
  district: ['/targets', '/areas', '/facilities', '/orgs', '/workers', '/posts'],
  street: ['/targets', '/areas', '/facilities', '/orgs', '/workers', '/posts'],
  community: ['/targets', '/areas', '/facilities', '/orgs', '/workers', '/posts'],
  org: ['/orgs', '/workers'], worker: ['/workers'],
  sysadmin: ['/users'], secadmin: ['/users'], auditadmin: ['/audit'],
};
// A full ID number (18 characters) anywhere in a page's text means personal data leaked.
const fullId = /\b\d{17}[\dX]\b/;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failures = 0;
const check = (ok, msg) => { if (!ok) { failures++; console.error('FAIL', msg); } else { console.log('ok  ', msg); } };
try {
  for (const role of roles) {
    const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
    const page = await ctx.newPage();
    await page.goto(`${base}/login`);
    check((await page.getAttribute('html', 'lang')) === 'zh-CN', `${role}: login page is Chinese`);
    await page.fill('#username', role);
    await page.fill('#password', password);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit].primary')]);
    check(new URL(page.url()).pathname === '/', `${role}: logged in to the home page`);
    const links = await page.$$eval('nav.main a', as => as.map(a => a.getAttribute('href')));
    for (const href of nav[role] || []) check(links.includes(href), `${role}: navigation has ${href}`);
    if (!['auditadmin'].includes(role)) check(!links.includes('/audit'), `${role}: no audit log in navigation`);
    await page.screenshot({ path: `${out}/home-${role}.png`, fullPage: true });
    if (role === 'district') {
      await page.goto(`${base}/areas?view=tree`);
      await page.screenshot({ path: `${out}/areas-tree.png`, fullPage: false });
      await page.goto(`${base}/areas?q=湖塘`);
      check((await page.content()).includes('湖塘镇'), 'district: Chinese search finds 湖塘镇');
      await page.screenshot({ path: `${out}/areas-search.png` });
      await page.goto(`${base}/targets?area=320412`);
      const dash = await page.content();
      check(dash.includes('<svg') && dash.includes('status-met') && dash.includes('status-short'), 'district: dashboard with charts, met and short targets');
      await page.screenshot({ path: `${out}/targets.png`, fullPage: true });
      await page.goto(`${base}/targets?area=320412&print=1`);
      await page.screenshot({ path: `${out}/targets-print.png` });
      for (const list of ['facilities', 'orgs', 'workers', 'posts']) {
        await page.goto(`${base}/${list}`);
        const rows = await page.$$eval('table tbody tr', r => r.length);
        check(rows > 0, `district: ${list} list has rows (${rows})`);
        check(!fullId.test(await page.textContent('main')), `district: ${list} shows no full ID numbers`);
        await page.screenshot({ path: `${out}/${list}.png` });
      }
      await page.goto(`${base}/orgs?q=协会&kind=social_group`);
      check((await page.textContent('main')).includes('协会'), 'district: Chinese substring search with a filter');
      await page.goto(`${base}/workers`);
      await Promise.all([page.waitForNavigation(), page.click('table tbody tr:first-child a')]);
      check(!fullId.test(await page.textContent('main')), 'district: worker detail is masked');
      await page.screenshot({ path: `${out}/worker-detail.png`, fullPage: true });
      await page.goto(`${base}/workers/import`);
      await page.screenshot({ path: `${out}/workers-import.png`, fullPage: true });
    }
    if (role === 'community') {
      await page.goto(`${base}/facilities/new`);
      await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit].primary')]);
      check((await page.$$('.field-error')).length >= 3, 'community: an empty facility form shows errors beside the fields');
      await page.screenshot({ path: `${out}/facility-form-errors.png`, fullPage: true });
      await page.fill('#area', '320412100002');
      await page.fill('#name', '南街社区浏览器测试服务点');
      await page.selectOption('#kind', 'point');
      await page.fill('#area_m2', '１２０');
      await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit].primary')]);
      check((await page.textContent('main')).includes('南街社区浏览器测试服务点'), 'community: a facility is created from the form');
      check((await page.textContent('main')).includes('120'), 'community: full-width digits accepted');
      // A photo: upload, see it listed, delete it after the confirmation page.
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
      await page.setInputFiles('#photo', { name: '门口照片.png', mimeType: 'image/png', buffer: png });
      await Promise.all([page.waitForNavigation(), page.click('form[action$="/photos"] button[type=submit]')]);
      check((await page.textContent('main')).includes('门口照片.png'), 'community: a facility photo is uploaded and listed');
      await page.screenshot({ path: `${out}/facility-detail.png`, fullPage: true });
      await Promise.all([page.waitForNavigation(), page.click('a.danger[href*="/photos/"]')]);
      check((await page.textContent('main')).includes('门口照片.png'), 'community: deleting a photo asks for confirmation');
      await Promise.all([page.waitForNavigation(), page.click('form.card button.danger')]);
      check(/\/facilities\/\d+$/.test(new URL(page.url()).pathname) && (await page.$('.flash')) !== null
        && !(await page.textContent('main')).includes('门口照片.png'), 'community: the photo is deleted, back on the facility');
      // A spreadsheet with one bad row: a row-by-row report, nothing written.
      const sheet = '所在社区,岗位名称,专业社工岗位,两委岗位\n320412100002,浏览器导入岗位甲,是,否\n320412100002,,是,也许\n';
      await page.goto(`${base}/posts/import`);
      await page.setInputFiles('#file', { name: 'posts.csv', mimeType: 'text/csv', buffer: Buffer.from(sheet) });
      await Promise.all([page.waitForNavigation(), page.click('form.card button[type=submit].primary')]);
      await page.waitForSelector('section.report', { timeout: 30000 });
      check((await page.$$('section.report tbody tr')).length >= 2, 'community: the import report lists every problem by row');
      await page.screenshot({ path: `${out}/import-report.png`, fullPage: true });
      await page.goto(`${base}/posts?q=浏览器导入岗位甲`);
      check((await page.$('p.empty')) !== null && (await page.$$('table tbody tr')).length === 0, 'community: an import with a bad row writes nothing');
    }
    if (role === 'auditadmin') {
      await page.goto(`${base}/audit`);
      await page.screenshot({ path: `${out}/audit.png` });
    }
    // Switch to English with the switcher on the page.
    await Promise.all([page.waitForNavigation(), page.click('nav.langs [lang=en]')]);
    check((await page.getAttribute('html', 'lang')) === 'en', `${role}: switched to English`);
    check((await page.textContent('nav.main')).includes('Home'), `${role}: English navigation`);
    await page.screenshot({ path: `${out}/home-${role}-en.png` });
    await Promise.all([page.waitForNavigation(), page.click('nav.langs [lang=zh-CN]')]);
    await ctx.close();
  }
  // Resident needs: a resident raises a need, community staff accept and answer it, and
  // the resident sees the answer in the timeline and the inbox.
  const login = async (ctx, who) => {
    const pg = await ctx.newPage();
    await pg.goto(`${base}/login`);
    await pg.fill('#username', who);
    await pg.fill('#password', password);
    await Promise.all([pg.waitForNavigation(), pg.click('button[type=submit].primary')]);
    return pg;
  };
  const resCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const rp = await login(resCtx, 'resident');
  await rp.goto(`${base}/needs/new`);
  await rp.selectOption('#area', '320412100002');
  await rp.selectOption('#category', 'elderly_disabled');
  await rp.fill('#title', '浏览器测试：独居老人助餐');
  await rp.fill('#description', '楼里独居老人多，希望每天中午有人送餐。');
  await rp.fill('#people', '8');
  await rp.fill('#phone', '13900139000');
  await Promise.all([rp.waitForNavigation(), rp.click('form.card button[type=submit].primary')]);
  const needPath = new URL(rp.url()).pathname;
  check(/^\/needs\/\d+$/.test(needPath) && (await rp.textContent('main')).includes('待受理'), 'resident: a need is raised from a phone');
  const rw = await rp.evaluate(() => document.documentElement.scrollWidth);
  check(rw <= 390, `resident: the need page fits a phone (${rw}px)`);
  await rp.screenshot({ path: `${out}/need-raised-phone.png`, fullPage: true });
  const staffCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const sp = await login(staffCtx, 'community');
  check(((await sp.textContent('header.top')) || '').includes('消息'), 'community: inbox link in the header');
  await sp.goto(`${base}/needs`);
  check((await sp.textContent('main')).includes('浏览器测试：独居老人助餐'), 'community: the new need is in the list');
  await sp.screenshot({ path: `${out}/needs-list.png`, fullPage: true });
  await sp.goto(`${base}${needPath}`);
  check(!(await sp.textContent('main')).includes('13900139000'), 'community: the phone is masked');
  await Promise.all([sp.waitForNavigation(), sp.click('form.action-accept button[type=submit]')]);
  check((await sp.textContent('main')).includes('已受理'), 'community: the need is accepted');
  await sp.fill('form.action-answer textarea[name=text]', '每天中午由社区助餐点送餐上门，下周一开始。');
  await Promise.all([sp.waitForNavigation(), sp.click('form.action-answer button[type=submit]')]);
  check((await sp.textContent('main')).includes('已答复'), 'community: the need is answered');
  await sp.screenshot({ path: `${out}/need-answered.png`, fullPage: true });
  await sp.goto(`${base}/needs/stats`);
  check((await sp.$$('table.heat tbody tr')).length > 0, 'community: the picture of needs has rows');
  await sp.screenshot({ path: `${out}/needs-stats.png`, fullPage: true });
  await rp.goto(`${base}${needPath}`);
  const mine = await rp.textContent('main');
  check(mine.includes('每天中午由社区助餐点送餐上门') && mine.includes('直接答复') && mine.includes('受理'), 'resident: the answer and the timeline');
  check((await rp.$('header.top .badge')) !== null, 'resident: unread badge in the header');
  await rp.goto(`${base}/inbox`);
  check((await rp.textContent('main')).includes('需求已答复'), 'resident: the answer is in the inbox');
  await rp.screenshot({ path: `${out}/inbox-resident.png`, fullPage: true });
  await resCtx.close();
  await staffCtx.close();
  // Purchase of services: the officer publishes an approved project's call, the demo
  // organization applies with its registered team and submits, the call is on the portal.
  const offCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const op = await login(offCtx, 'district');
  await op.goto(`${base}/purchase/catalog`);
  check((await op.$$('table tbody tr')).length >= 10 && (await op.textContent('main')).includes('已发布'), 'district: the published catalog with its budget lines');
  await op.screenshot({ path: `${out}/purchase-catalog.png`, fullPage: true });
  await op.goto(`${base}/purchase/projects?state=approved`);
  await Promise.all([op.waitForNavigation(), op.click('table tbody tr:first-child a')]);
  const projectPath = new URL(op.url()).pathname;
  const title = (await op.textContent('h1')).replace(/#\d+/, '').trim();
  await Promise.all([op.waitForNavigation(), op.click('form.action-publish button[type=submit]')]);
  check((await op.textContent('main')).includes('征集中'), 'district: the call is published');
  await op.screenshot({ path: `${out}/purchase-project.png`, fullPage: true });
  const orgCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const og = await login(orgCtx, 'org');
  await og.goto(`${base}/inbox`);
  check((await og.textContent('main')).includes('新的征集公告'), 'org: told of the new call in the inbox');
  await og.goto(`${base}${projectPath}`);
  await Promise.all([og.waitForNavigation(), og.click(`a[href="${projectPath}/apply"]`)]);
  await og.fill('#needs_analysis', '浏览器测试：辖区邻里纠纷多发于物业和噪音。');
  await og.fill('#plan', '设立调解工作室，每周两次坐班，培育调解志愿者。');
  await og.fill('#direct_beneficiaries', '150');
  await og.fill('#indirect_beneficiaries', '600');
  // The certified staff (one of the demo organization's four holds no certificate).
  for (const row of await og.$$('fieldset tbody tr')) {
    if (!(await row.textContent()).includes('无证书')) await (await row.$('input[name=team]')).check();
  }
  await og.check('input[name=declared]');
  await Promise.all([og.waitForNavigation(), og.click('form.card button[type=submit].primary')]);
  check((await og.textContent('main')).includes('资格核验'), 'org: the draft shows its eligibility screen');
  await og.screenshot({ path: `${out}/purchase-application.png`, fullPage: true });
  await Promise.all([og.waitForNavigation(), og.click('form.action-submit button[type=submit]')]);
  check((await og.textContent('main')).includes('已提交'), 'org: the application is submitted');
  await op.goto(`${base}${projectPath}`);
  check((await op.textContent('main')).includes('武进区阳光社会工作服务中心（演示）'), 'district: the application is listed on the call');
  await offCtx.close();
  await orgCtx.close();
  // Panel review: the evaluator drawn for the demo call under review declares no conflict,
  // reads an application and scores every one.
  const evCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const ev = await login(evCtx, 'evaluator');
  await ev.goto(`${base}/purchase/projects`);
  await Promise.all([ev.waitForNavigation(), ev.click('table tbody tr:first-child a')]);
  const reviewPath = new URL(ev.url()).pathname;
  check((await ev.textContent('main')).includes('回避声明'), 'evaluator: asked to declare conflicts first');
  await Promise.all([ev.waitForNavigation(), ev.click('section.panel-review form.inline button.primary')]);
  const sheets = await ev.$$('form.score-sheet');
  check(sheets.length >= 3, `evaluator: a score sheet per application (${sheets.length})`);
  for (let i = 0; i < sheets.length; i++) {
    const form = (await ev.$$('form.score-sheet'))[i];
    for (const [k, v] of [['need', '20'], ['acceptance', '12'], ['innovation', '10'], ['effectiveness', '25'], ['replicability', '11']]) {
      await (await form.$(`input[name=${k}]`)).fill(v);
    }
    await Promise.all([ev.waitForNavigation(), (await form.$('button[type=submit]')).click()]);
  }
  check((await ev.$$eval('form.score-sheet input[name=need]', xs => xs.filter(x => x.value === '20').length)) === sheets.length, 'evaluator: every sheet is saved');
  await ev.screenshot({ path: `${out}/panel-scoring.png`, fullPage: true });
  await evCtx.close();
  const off2 = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const o2 = await login(off2, 'district');
  await o2.goto(`${base}${reviewPath}`);
  await Promise.all([o2.waitForNavigation(), o2.click('form[action$="/panel/sign"] button')]);
  check((await o2.textContent('main')).includes('评审完成'), 'district: the panel report is signed for the chair');
  await o2.screenshot({ path: `${out}/panel-report.png`, fullPage: true });
  await Promise.all([o2.waitForNavigation(), o2.click('form[action$="/award"] button[type=submit]')]);
  check((await o2.textContent('main')).includes('立项公示中'), 'district: the award goes on public notice');
  const anonAward = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const aa = await anonAward.newPage();
  await aa.goto(`${base}/public/calls/${reviewPath.split('/').pop()}`);
  check((await aa.textContent('main')).includes('立项公示') && (await aa.textContent('main')).includes('评审专家'), 'anonymous: the award notice names the panel');
  await aa.screenshot({ path: `${out}/public-award-phone.png`, fullPage: true });
  await anonAward.close();
  // Delivery: the organization logs an activity of its contracted team.
  const dlCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const dl = await login(dlCtx, 'org');
  await dl.goto(`${base}/purchase/projects?state=confirmed`);
  await Promise.all([dl.waitForNavigation(), dl.click('table tbody tr:has-text("已签约") a')]);
  const contractProject = new URL(dl.url()).pathname;
  await Promise.all([dl.waitForNavigation(), dl.click('section.contract a[href$="/delivery"]')]);
  const deliveryPath = new URL(dl.url()).pathname;
  await dl.fill('#l-content', '浏览器测试：社区社会组织负责人能力建设培训');
  await dl.fill('#l-direct', '25');
  await dl.fill('#l-indirect', '75');
  await (await dl.$$('input[name^="hours-"]'))[0].fill('2.5');
  await Promise.all([dl.waitForNavigation(), dl.click('#log-form button[type=submit]')]);
  check((await dl.textContent('main')).includes('浏览器测试：社区社会组织负责人能力建设培训'), 'org: the activity is logged with its hours');
  await dl.screenshot({ path: `${out}/delivery.png`, fullPage: true });
  await dlCtx.close();
  // The officer accepts the mid-term report compiled from the logs, which opens its tranche,
  // and pays it.
  await o2.goto(`${base}${deliveryPath}`);
  await Promise.all([o2.waitForNavigation(), o2.click('form[action$="/transitions"] button[value=accept]')]);
  check((await o2.textContent('main')).includes('已通过'), 'district: the mid-term report is accepted');
  await o2.goto(`${base}${contractProject}`);
  await o2.fill('form[action$="/pay"] input[name=voucher]', 'E2E-0001');
  await Promise.all([o2.waitForNavigation(), o2.click('form[action$="/pay"] button')]);
  check((await o2.textContent('section.contract')).includes('E2E-0001'), 'district: a tranche is paid with its voucher');
  await o2.screenshot({ path: `${out}/contract-tranches.png`, fullPage: true });
  // Third-party evaluation of the same contract: the officer assigns a spot check; the
  // assessor scores the mid-term with the declaration; the organization answers; the
  // assessor finalizes, which opens the tranche gated on it; the officer pays it.
  await o2.goto(`${base}${contractProject}`);
  await o2.selectOption('#e-stage', 'spot');
  await Promise.all([o2.waitForNavigation(), o2.click('form[action$="/evaluations"] button[type=submit]')]);
  check((await o2.textContent('main')).includes('已指派'), 'district: an assessor is assigned a spot check');
  const asCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const as = await login(asCtx, 'evaluator');
  await as.goto(`${base}/purchase/evaluations?stage=midterm&state=assigned`);
  await Promise.all([as.waitForNavigation(), as.click('table tbody tr:first-child td:nth-child(2) a')]);
  const evalPath = new URL(as.url()).pathname;
  // On site, the assessor checks a sampled delivery-log entry against the evidence.
  await as.selectOption('ul.samples li:first-child select[name=result]', 'consistent');
  await Promise.all([as.waitForNavigation(), as.click('ul.samples li:first-child button')]);
  check((await as.textContent('#samples')).includes('与佐证一致'), 'evaluator: a sampled delivery log is checked on the phone');
  for (const [k, v] of [['decision', '14'], ['process', '22'], ['output', '25.5'], ['outcome', '26']]) {
    await as.fill(`#score_${k}`, v);
  }
  await as.fill('#findings', '浏览器测试：现场走访 3 个社区，服务台账与现场一致。');
  await as.check('input[name=no_conflict]');
  // The connection drops on site and the page is opened again: the sheet comes back.
  await as.reload();
  check((await as.inputValue('#score_output')) === '25.5' && (await as.inputValue('#findings')).includes('现场走访')
    && !(await as.isChecked('input[name=no_conflict]')) && (await as.isVisible('.draft-restored')),
    'evaluator: the score sheet typed on the phone comes back after a reload (the declaration is made afresh)');
  await as.check('input[name=no_conflict]');
  await Promise.all([as.waitForNavigation(), as.click('form[action$="/scores"] button[type=submit]')]);
  check(await as.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('sanshe-draft:')).length === 0),
    'evaluator: the draft is dropped once the server took the scores');
  check((await as.textContent('main')).includes('87.5'), 'evaluator: the mid-term is scored on a phone (87.5)');
  const aw2 = await as.evaluate(() => document.documentElement.scrollWidth);
  check(aw2 <= 390, `evaluation page fits a phone (${aw2}px)`);
  await as.screenshot({ path: `${out}/evaluation-scored-phone.png`, fullPage: true });
  const anCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const an = await login(anCtx, 'org');
  await an.goto(`${base}${evalPath}`);
  await an.fill('#answer', '浏览器测试：无异议。');
  await Promise.all([an.waitForNavigation(), an.click('form[action$="/answer"] button[type=submit]')]);
  check((await an.textContent('main')).includes('浏览器测试：无异议。'), 'org: the provider answers the draft');
  await anCtx.close();
  await as.goto(`${base}${evalPath}`);
  await as.check('input[name=confirm]');
  await Promise.all([as.waitForNavigation(), as.click('button[value=finalize]')]);
  check((await as.textContent('main')).includes('已定稿'), 'evaluator: the grade is final');
  await asCtx.close();
  await o2.goto(`${base}${contractProject}`);
  const evalRow = 'tr:has-text("中期评估通过后")';
  await o2.fill(`${evalRow} form[action$="/pay"] input[name=voucher]`, 'E2E-EVAL-1');
  await Promise.all([o2.waitForNavigation(), o2.click(`${evalRow} form[action$="/pay"] button`)]);
  check((await o2.textContent('section.contract')).includes('E2E-EVAL-1'), 'district: the tranche gated on the mid-term is paid');
  await o2.screenshot({ path: `${out}/evaluation-tranche.png`, fullPage: true });
  await o2.goto(`${base}/purchase/dashboard`);
  check((await o2.textContent('main')).includes('待办事项'), 'district: the purchase dashboard lists the steps owed');
  await o2.screenshot({ path: `${out}/purchase-dashboard.png`, fullPage: true });
  await o2.goto(`${base}/purchase/contracts`);
  check((await o2.textContent('main')).includes('E2E') || (await o2.$$('table tbody tr')).length >= 1, 'district: the contracts ledger');
  await off2.close();
  const pubCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const pp = await pubCtx.newPage();
  await pp.goto(`${base}/public/calls`);
  check((await pp.textContent('main')).includes(title), 'anonymous: the call is on the public portal');
  const cw = await pp.evaluate(() => document.documentElement.scrollWidth);
  check(cw <= 390, `public calls fit a phone (${cw}px)`);
  await pp.screenshot({ path: `${out}/public-calls-phone.png`, fullPage: true });
  await pp.goto(`${base}/public/catalog`);
  check((await pp.$$('ul.cards li')).length >= 10, 'anonymous: the published catalog');
  await pubCtx.close();
  // Venture philanthropy, one project from application to award: the officer opens a round
  // whose call ends today (no notice days) and names the reviewer; the organization applies;
  // the officer closes applications and screens it in; the reviewer scores it; the officer
  // shortlists it and announces the finalists; a resident votes on the portal; the officer
  // closes the vote and awards it from the fiscal pool.
  const vCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const vo = await login(vCtx, 'district');
  const todayCN = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  await vo.goto(`${base}/venture/new`);
  await vo.fill('#title', '浏览器测试公益创投');
  await vo.fill('#apply_until', todayCN);
  await vo.fill('#notice_days', '0');
  await Promise.all([vo.waitForNavigation(), vo.click('form button[type=submit].primary')]);
  const roundPath = new URL(vo.url()).pathname;
  check(/^\/venture\/rounds\/\d+$/.test(roundPath), `district: a venture round is created (${roundPath})`);
  await Promise.all([vo.waitForNavigation(), vo.click('form[action$="/reviewers"] button')]);
  const roundStep = async (ev) => {
    await vo.goto(`${base}${roundPath}`);
    await vo.check(`form:has(button[value=${ev}]) input[type=checkbox]`);
    await Promise.all([vo.waitForNavigation(), vo.click(`button[value=${ev}]`)]);
  };
  await roundStep('publish');
  check((await vo.textContent('main')).includes('征集中'), 'district: the venture call is published');
  const vgCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
  const vg = await login(vgCtx, 'org');
  await vg.goto(`${base}${roundPath}/apply`);
  await vg.fill('#title', '浏览器测试·邻里守望');
  await vg.fill('#summary', '组织志愿者定期探访独居老人。');
  await vg.fill('#matched', '2000');
  await vg.check('input[name=not_funded_elsewhere]');
  await Promise.all([vg.waitForNavigation(), vg.click('button[name=submit][value="1"]')]);
  const ventureProject = new URL(vg.url()).pathname;
  check((await vg.textContent('main')).includes('已提交'), `org: a venture project is submitted (${ventureProject})`);
  await vgCtx.close();
  const projectStep = async (page, ev) => {
    await page.goto(`${base}${ventureProject}`);
    await Promise.all([page.waitForNavigation(), page.click(`form:has(input[name=event][value=${ev}]) button[type=submit]`)]);
  };
  await roundStep('close_applications');
  await projectStep(vo, 'pass');
  check((await vo.textContent('main')).includes('通过初审'), 'district: the venture project is screened in');
  const vrCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const vr = await login(vrCtx, 'evaluator');
  await vr.goto(`${base}${ventureProject}`);
  for (const k of ['need', 'acceptance', 'innovation', 'effectiveness', 'replicability']) {
    await vr.fill(`#score_${k}`, '18');
  }
  await Promise.all([vr.waitForNavigation(), vr.click('form[action$="/scores"] button[type=submit]')]);
  check((await vr.textContent('main')).includes('90'), 'evaluator: the venture project is scored on a phone (90)');
  await vrCtx.close();
  await projectStep(vo, 'shortlist');
  await roundStep('announce');
  check((await vo.textContent('main')).includes('入围公示'), 'district: the finalists are announced');
  const vvCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const vv = await login(vvCtx, 'resident');
  await vv.goto(`${base}/public${roundPath.replace('/rounds', '')}`);
  await Promise.all([vv.waitForNavigation(), vv.click('form[action$="/votes"] button')]);
  check((await vv.textContent('main')).includes('您已为该项目投票'), 'resident: one vote on the portal');
  await vvCtx.close();
  await roundStep('close_vote');
  await vo.goto(`${base}${ventureProject}`);
  await vo.selectOption('#source', 'fiscal');
  await Promise.all([vo.waitForNavigation(), vo.click('form:has(input[name=event][value=award]) button[type=submit]')]);
  check((await vo.textContent('main')).includes('获资助'), 'district: the venture project is awarded');
  await vo.goto(`${base}${roundPath}`);
  await vo.screenshot({ path: `${out}/venture-round.png`, fullPage: true });
  // The harmonious-community assessment being scored, with its chart per street, and a
  // rating's printable certificate.
  await vo.goto(`${base}/award-lists`);
  await Promise.all([vo.waitForNavigation(), vo.click('tr:has(.state-scoring) td:nth-child(2) a')]);
  check((await vo.textContent('main')).includes('各街道平均得分'), 'district: the assessment shows each street\'s mean score');
  await vo.screenshot({ path: `${out}/assessment.png` });
  await vo.goto(`${base}/ratings?state=granted`);
  await Promise.all([vo.waitForNavigation(), vo.click('table tbody tr:first-child td:nth-child(2) a')]);
  await Promise.all([vo.waitForNavigation(), vo.click('a[href$="/certificate"]')]);
  check((await vo.textContent('main')).includes('社会组织评估等级证书'), 'district: a rating certificate to print');
  await vCtx.close();
  // The public portal: anonymous visitors land on it.
  const anon = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const ap = await anon.newPage();
  await ap.goto(`${base}/`);
  check(new URL(ap.url()).pathname === '/public' && (await ap.textContent('main')).includes('居民需求办理'), 'anonymous: the public portal');
  const aw = await ap.evaluate(() => document.documentElement.scrollWidth);
  check(aw <= 390, `public portal fits a phone (${aw}px)`);
  await ap.screenshot({ path: `${out}/public-phone.png`, fullPage: true });
  await anon.close();
  // A phone.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const p = await phone.newPage();
  await p.goto(`${base}/login`);
  await p.fill('#username', 'community');
  await p.fill('#password', password);
  await Promise.all([p.waitForNavigation(), p.click('button[type=submit].primary')]);
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 390, `phone: no horizontal scrolling (${width}px)`);
  await p.screenshot({ path: `${out}/phone-community.png`, fullPage: true });
  // A wrong password shows a clear error.
  const bad = await browser.newContext({ locale: 'zh-CN' });
  const b = await bad.newPage();
  await b.goto(`${base}/login`);
  await b.fill('#username', 'district');
  await b.fill('#password', 'wrong');
  await Promise.all([b.waitForNavigation(), b.click('button[type=submit].primary')]);
  check((await b.textContent('#login-error')).includes('用户名或密码错误'), 'wrong password: clear Chinese error');
  await b.screenshot({ path: `${out}/login-error.png` });
} finally {
  await browser.close();
}
if (failures) { console.error(`${failures} browser checks failed`); process.exit(1); }
console.log('browser run passed');
