// Browser tests of the console, in headless Debian Chromium driven by
// playwright-core, against a suite started by gateway/browser (Go), which seeds:
//   - customers WEB1…WEB4 of 冯霞 (E3002, team-lujiazui), no plan yet;
//   - customers WEB5, WEB6 of 郑伟 (E3001) and his plan for next month, approved;
//   - a grade change of E3001 to 二级 prepared by HR (E0002), pending approval;
//   - an open customer request of WEB2.
// Run by `make test-browser` (and by `go test ./gateway/browser/`, part of make
// test); screenshots of the main pages go to $RMSUITE_SCREENSHOTS.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.RMSUITE_BASE_URL;
const shots = process.env.RMSUITE_SCREENSHOTS ?? join(tmpdir(), 'rmsuite-screenshots');
const executablePath = process.env.RMSUITE_CHROMIUM ?? '/usr/bin/chromium';
if (!base) throw new Error('set RMSUITE_BASE_URL to the gateway under test (gateway/browser starts one)');

// Flags for Debian's chromium in a container; without the background-networking
// ones it tries to reach Google and connections are refused.
const args = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--lang=zh-CN', // date and month inputs in Chinese, as a bank's browsers would show them
];

const shanghai = (d = new Date()) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
const today = shanghai();
const month = today.slice(0, 7);
const nextMonth = (() => {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
})();

let profile, context, page;
const pageErrors = [];

before(async () => {
  mkdirSync(shots, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'rmsuite-chromium-')); // a fresh --user-data-dir
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    args,
    headless: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 860 },
    // Near customer WEB1, so the check-in lands within the radius.
    geolocation: { latitude: 31.2341, longitude: 121.5102 },
    permissions: ['geolocation'],
    acceptDownloads: true,
  });
  context.setDefaultTimeout(15_000);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => {
    if (pageErrors.length < 20) pageErrors.push(`${page.url()}: ${e.stack ?? e.message}`);
  });
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function shot(name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function signInAs(user) {
  await page.goto(`${base}/`);
  await page.evaluate(() => localStorage.removeItem('rmsuite.token'));
  await page.reload();
  await page.getByLabel('示例用户').selectOption(user);
  await page.getByRole('button', { name: '以此身份登录' }).click();
  await page.locator('.topbar').getByText(user).waitFor();
}

async function go(hash) {
  await page.goto(`${base}/#${hash}`);
}

/** errorText waits for an error box and returns its text. */
async function errorText(scope = page) {
  const box = scope.locator('.error-box').first();
  await box.waitFor();
  return box.innerText();
}

test('sign-in: the dev picker lists the seeded people; bad tokens get a readable refusal', async () => {
  await page.goto(`${base}/`);
  const picker = page.getByLabel('示例用户');
  await picker.waitFor();
  const options = await picker.locator('option').allInnerTexts();
  assert.ok(options.some((o) => o.includes('冯霞') && o.includes('客户经理')), `picker options: ${options}`);
  assert.ok(!options.some((o) => o.includes('svc:')), 'system accounts are not offered');
  await shot('01-sign-in');

  const token = page.getByLabel('令牌');
  await token.fill('not-a-token');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  assert.match(await errorText(), /这不是有效的 JWT/);

  // Well formed but not signed by the suite's key: the gateway refuses it (401)
  // and its message is shown.
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const forged = `${b64({ alg: 'EdDSA', typ: 'JWT', kid: 'x' })}.${b64({ sub: 'E3002', roles: ['customer_manager'], exp: 4102444800 })}.c2ln`;
  await token.fill(forged);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.locator('.error-box', { hasText: 'HTTP 401' }).waitFor();
  const text = await errorText();
  assert.match(text, /unauthenticated/i);
  assert.match(text, /请求编号/, 'the request id is shown');
  assert.ok(!/at \w+ \(|\.ts:\d+|goroutine/.test(text), `no stack trace: ${text}`);
});

test('a customer manager generates this month’s plan and submits it', async () => {
  await signInAs('E3002');
  await page.getByRole('heading', { name: '我的月度' }).waitFor();
  await page.getByRole('button', { name: '生成本月计划' }).click();
  await page.getByRole('heading', { name: '计划明细' }).waitFor();
  const rows = page.locator('table.data tbody tr');
  assert.equal(await rows.count(), 4, 'one line per due customer');
  assert.match(await page.locator('table.data').innerText(), /测试零售户1/);
  await page.getByRole('button', { name: '提交审批' }).click();
  await page.getByText('计划已提交，等待主管审批。').waitFor();
  await page.locator('.plan-summary .badge', { hasText: '待审批' }).waitFor();
});

test('a supervisor reviews the plan: a rejection needs a comment, then approves it', async () => {
  await signInAs('E1101');
  await go('/sup/plans');
  const card = page.locator('li.plan-card', { hasText: '冯霞' });
  await card.waitFor();
  await card.getByRole('button', { name: '查看' }).click();
  await card.getByRole('heading', { name: '与系统生成草稿的差异' }).waitFor();
  assert.match(await card.innerText(), /测试零售户2/);
  await shot('04-supervisor-review');

  // Rejecting without a comment: the API's field violation is shown.
  await card.getByRole('button', { name: '退回' }).click();
  const refusal = await errorText(card);
  assert.match(refusal, /HTTP 400/);
  assert.match(refusal, /comment/);

  await card.getByLabel('审批意见').fill('同意，注意按路线顺序拜访。');
  await card.getByRole('button', { name: '批准' }).click();
  await page.getByText(`已批准 冯霞 的 ${month} 计划。`).waitFor();
  await page.getByText('没有待审批的计划。').waitFor();
  const team = page.locator('.card', { has: page.getByRole('heading', { name: '团队计划' }) });
  await team.locator('tr', { hasText: '冯霞' }).locator('.badge', { hasText: '已批准' }).waitFor();
  await shot('05-supervisor-approved');
});

test('a customer manager sees the month calendar and a day route in order with addresses', async () => {
  await signInAs('E3001');
  await go(`/cm/month?m=${nextMonth}`);
  await page.locator('.plan-summary .badge', { hasText: '已批准' }).waitFor();
  const busy = page.locator('table.calendar td.busy a').first();
  await busy.waitFor();
  await shot('06-cm-month-calendar');
  await busy.click();
  await page.getByRole('heading', { name: '当日路线' }).waitFor();
  const stops = page.locator('ol.route > li');
  await stops.first().waitFor();
  const n = await stops.count();
  assert.ok(n >= 1, 'the day has stops');
  for (let i = 0; i < n; i++) {
    const s = stops.nth(i);
    assert.equal((await s.locator('.stop-order').innerText()).trim(), String(i + 1), 'stops are numbered in route order');
    assert.match(await s.locator('.stop-address').innerText(), /上海市/, 'each stop shows its address');
  }
  assert.match(await page.locator('.card').first().innerText(), /出发地/);
  await shot('07-cm-day-route');
});

test('a customer manager checks in and records a visit with the checklist', async () => {
  await signInAs('E3002');
  await go(`/cm/month?m=${month}`);
  await page.locator('.plan-summary .badge', { hasText: '已批准' }).waitFor();
  await shot('03-cm-month');
  await page.locator('tr[data-customer="customers/WEB1"]').getByRole('link', { name: '记录拜访' }).click();
  await page.getByRole('heading', { name: '签到与拜访记录' }).waitFor();
  assert.equal(await page.getByLabel('客户（必填）').inputValue(), 'customers/WEB1');
  await page.getByText('地址：上海市浦东新区世纪大道 100 号').waitFor();

  await page.getByRole('button', { name: '获取当前位置签到' }).click();
  await page.getByText(/已签到：/).waitFor();
  assert.equal(await page.getByLabel('纬度').inputValue(), '31.234100');

  // The retail outlet's checklist from the visit settings: 问 看 介 记.
  const steps = page.locator('fieldset', { hasText: '检查清单' }).locator('input[type=checkbox]');
  assert.equal(await steps.count(), 4);
  for (const code of ['ask', 'look', 'introduce']) await page.locator(`input[name=steps][value=${code}]`).check();
  await page.getByLabel('陈列不整齐').check();
  await page.getByRole('button', { name: '添加一行' }).click();
  await page.getByLabel('品规').fill('中华（硬）');
  await page.getByLabel('现有库存').fill('5');
  await page.getByLabel('每订货周期平均销量').fill('10');
  await page.getByLabel('客户需求').fill('希望增加新品供应');
  await page.getByLabel('下一步行动（每行一条）').fill('下周送新品样品\n检查价签');
  await shot('08-cm-visit-form');
  await page.getByRole('button', { name: '保存拜访记录' }).click();

  await page.getByText('拜访记录已保存。').waitFor();
  const result = await page.locator('.card').first().innerText();
  assert.match(result, /签到点距客户 \d+ 米/);
  assert.match(result, /未完成的必做步骤：record/, 'the skipped required step is reported');
  assert.match(result, /低于安全库存：中华（硬）（现有 5，安全库存 12/, 'safety stock = 10 × 1.2');
  await shot('09-cm-visit-saved');

  await go(`/cm/month?m=${month}`);
  await page.getByText('已完成 1 / 4').waitFor();
  assert.equal((await page.locator('tr[data-customer="customers/WEB1"] td').first().innerText()).trim(), '★');
});

test('a customer manager answers a request before its 24-hour deadline', async () => {
  await signInAs('E3002');
  await go('/cm/requests');
  const card = page.locator('li.request', { hasText: '测试零售户2' });
  await card.waitFor();
  assert.match(await card.locator('.countdown').innerText(), /剩余 2[0-3]:\d\d:\d\d/);
  await shot('10-cm-requests');
  await card.getByLabel('回复内容').fill('您好，新产品资料明天送到。');
  await card.getByRole('button', { name: '回复' }).click();
  await page.getByText('已回复。 测试零售户2').waitFor();
  await page.getByText('没有待回复的客户诉求。').waitFor();
  await page.getByText('已回复 (1)').waitFor();
});

test('a supervisor assigns a task and reads team indicators, overdue requests and customers', async () => {
  await signInAs('E1101');
  await go('/sup/tasks');
  await page.getByLabel('客户经理', { exact: true }).selectOption('E3002');
  await page.getByLabel('任务内容').fill('走访新开业的便利店');
  await page.getByRole('button', { name: '分派' }).click();
  await page.getByText('任务已分派给 冯霞。').waitFor();
  await page.locator('table.data', { hasText: '走访新开业的便利店' }).waitFor();
  await shot('11-supervisor-tasks');

  await go('/sup/indicators');
  const row = page.locator('table.indicators tr', { hasText: '冯霞' });
  await row.waitFor();
  assert.equal((await row.locator('td').last().innerText()).trim(), '1', 'one visit recorded');
  await shot('12-supervisor-indicators');

  await go('/sup/requests');
  await page.getByText('团队没有逾期的客户诉求。').waitFor();

  await go('/sup/customers');
  await page.locator('table.data', { hasText: '测试零售户1' }).waitFor();
  await page.getByLabel('客户编号').fill('WEB9');
  await page.getByLabel('客户名称').fill('浦东新开便利店');
  await page.getByLabel('主管客户经理').selectOption('E3001');
  await page.getByLabel('地址', { exact: true }).fill('上海市浦东新区浦电路 9 号');
  await page.getByRole('button', { name: '创建客户' }).click();
  await page.getByText('已创建客户 浦东新开便利店。').waitFor();
  await page.locator('table.data', { hasText: '浦东新开便利店' }).waitFor();
  await page.getByRole('button', { name: '创建客户' }).click(); // empty form: the API says what is missing
  assert.match(await errorText(), /HTTP 400/);
  await shot('13-supervisor-customers');
});

test('HR searches the roster, opens a manager’s history and the grade distribution', async () => {
  await signInAs('E0002');
  await go('/hr/roster');
  await page.getByLabel('姓名包含').fill('冯');
  await page.getByRole('button', { name: '查询' }).click();
  await page.getByText('共 1 条').waitFor();
  await shot('14-hr-roster');
  await page.getByRole('link', { name: '冯霞' }).click();
  await page.getByRole('heading', { name: '机构与等级历史' }).waitFor();
  const history = page.locator('table.history tbody tr');
  assert.ok((await history.count()) >= 3, 'posting, status and grade entries');
  assert.match(await page.locator('table.history').innerText(), /陆家嘴支行营销团队/);
  assert.match(await page.locator('table.history').innerText(), /四级/);
  await shot('15-hr-manager');

  await go('/hr/grades');
  await page.locator('svg.grade-chart text', { hasText: '四级' }).waitFor();
  const widths = await page.locator('svg.grade-chart rect.bar-actual').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('width'))));
  assert.ok(widths.some((w) => w > 0), `bars are drawn: ${widths}`);
  await shot('16-hr-grades');
  await page.getByLabel('等级体系').selectOption('gradeLadders/three-levels-nine-bands');
  await page.locator('svg.grade-chart text', { hasText: '中级' }).waitFor();
  assert.equal(await page.locator('svg.grade-chart > g:not(.legend) line.bar-quota').count(), 3, 'a quota marker per level');
  assert.match(await page.locator('table.data').innerText(), /60%/, 'target shares of 三级九档');
});

test('HR starts a monthly assessment run; closing an incomplete one is refused with the API’s reason', async () => {
  await signInAs('E0002');
  await go('/assess/runs');
  await page.getByLabel('机构').selectOption('orgUnits/team-lujiazui');
  await page.getByRole('button', { name: '发起', exact: true }).click();
  await page.getByText(/已发起 .*team-lujiazui：\d+ 张评分卡。/).waitFor();
  const card = page.locator('li.run-card', { hasText: '陆家嘴支行营销团队' });
  await card.getByRole('button', { name: '查看' }).click();
  await card.locator('table.data', { hasText: 'E3002' }).waitFor();
  await card.getByRole('button', { name: '提请结束（需他人审批）' }).click();
  const refusal = await errorText(card);
  assert.match(refusal, /HTTP (409|400)/, refusal);
  await shot('20-assessment-runs');
});

test('a customer manager reads the score card with each line explained', async () => {
  await signInAs('E3002');
  await go('/cm/scores');
  await page.locator('.score-total').waitFor();
  const lines = page.locator('table.score-lines tbody tr');
  assert.ok((await lines.count()) >= 3, 'the template’s indicators');
  assert.match(await page.locator('table.score-lines').innerText(), /基础考核/);
  await shot('21-cm-scores');
});

test('maker–checker: the committee approves a grade change HR prepared', async () => {
  await signInAs('E0003');
  await go('/approvals');
  const card = page.locator('li.approval-card', { hasText: 'managers/E3001' });
  await card.waitFor();
  assert.equal(await page.locator('.error-box').count(), 0, 'every service answered');
  await shot('22-approvals');
  await card.getByRole('button', { name: '批准' }).click();
  await page.getByText('已批准。').waitFor();
  await page.getByText('没有待审批的事项。').waitFor();

  // HR cannot approve what HR prepared: the preparer may only withdraw.
  await signInAs('E0002');
  await go('/hr/managers/E3001');
  await page.locator('table.history', { hasText: '二级' }).waitFor({ timeout: 20_000 });
});

test('payroll: HR computes and submits a run, a branch head approves it, HR downloads the XLSX, the manager reads the payslip', async () => {
  await signInAs('E0002');
  await go('/pay/runs');
  await page.getByLabel('机构').selectOption('orgUnits/team-lujiazui');
  await page.getByRole('button', { name: '新建并计算' }).click();
  const run = page.locator('li.payroll-run', { hasText: '陆家嘴支行营销团队' }).first();
  await run.locator('.badge', { hasText: '已计算' }).waitFor({ timeout: 30_000 });
  assert.match(await run.locator('.plan-summary').innerText(), /实发 \d{1,3}(,\d{3})*\.\d{2}/, 'money to the fen, grouped');
  await run.getByRole('button', { name: '查看' }).click();
  await run.getByRole('button', { name: '工资条' }).first().click();
  await run.getByRole('button', { name: '计算过程' }).first().click();
  await run.locator('tr.explain', { hasText: '公式' }).first().waitFor();
  await shot('23-payroll-review');
  await run.getByRole('button', { name: '提交审批' }).click();
  await run.locator('.badge', { hasText: '待审批' }).waitFor();

  // The preparer may only withdraw; another person approves.
  await go('/approvals');
  const mine = page.locator('li.approval-card', { hasText: 'payrollRuns/' });
  await mine.getByRole('button', { name: '撤回' }).waitFor();
  assert.equal(await mine.getByRole('button', { name: '批准' }).count(), 0);
  await signInAs('E1100');
  await go('/approvals');
  await page.locator('li.approval-card', { hasText: 'payrollRuns/' }).getByRole('button', { name: '批准' }).click();
  await page.getByText('已批准。').waitFor();

  await signInAs('E0002');
  await go('/pay/runs');
  await run.locator('.badge', { hasText: '已锁定' }).waitFor();
  const [file] = await Promise.all([page.waitForEvent('download'), run.getByRole('button', { name: '下载工资表（XLSX）' }).click()]);
  assert.match(file.suggestedFilename(), /\.xlsx$/);
  const bytes = readFileSync(await file.path());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an XLSX (zip) file');
  await shot('24-payroll-locked');

  await signInAs('E3002');
  await go('/cm/payslips');
  await page.locator('.payslip', { hasText: '冯霞' }).waitFor();
  assert.match(await page.locator('.payslip tfoot').innerText(), /实发\s+\d{1,3}(,\d{3})*\.\d{2}/);
  await shot('25-cm-payslip');
});

test('the console switches to English and keeps the choice', async () => {
  await signInAs('E0002');
  await go('/hr/roster');
  await page.getByRole('button', { name: '切换语言' }).click();
  await page.getByRole('heading', { name: 'Roster' }).waitFor();
  await page.reload();
  await page.getByRole('link', { name: 'Grade distribution' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await shot('17-english');
  await page.getByRole('button', { name: 'Switch language' }).click();
  await page.getByRole('heading', { name: '花名册' }).waitFor();
});

test('API failures show the API’s message, never a blank page or a raw answer', async () => {
  await signInAs('E0002');
  await go('/hr/managers/NOPE');
  const text = await errorText();
  assert.match(text, /HTTP 404/);
  assert.match(text, /NOPE/, 'the API names what it did not find');

  await go('/no/such/page');
  assert.match(await errorText(), /没有这个页面/);

  // A proxy's HTML error page instead of the API's JSON.
  await page.route('**/v1/gradeLadders', (r) => r.fulfill({ status: 502, contentType: 'text/html', body: '<html><body><pre>panic: boom\ngoroutine 1</pre></body></html>' }));
  await go('/hr/grades');
  const proxied = await errorText();
  assert.match(proxied, /网关返回 HTTP 502/);
  assert.ok(!proxied.includes('goroutine'), 'the raw answer is not shown');
  await page.getByRole('button', { name: '重试' }).waitFor();
  await shot('18-error-state');
  await page.unroute('**/v1/gradeLadders');

  // An expired sign-in goes back to the sign-in page with a message.
  await page.route('**/v1/gradeLadders', (r) =>
    r.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: { code: 401, status: 'UNAUTHENTICATED', message: 'token expired' } }) }),
  );
  await page.reload();
  await page.getByText('登录已过期或无效，请重新登录。').waitFor();
  await page.getByLabel('示例用户').waitFor();
  await page.unroute('**/v1/gradeLadders');
});

test('the API explorer renders the OpenAPI document, bundled (no CDN)', async () => {
  await signInAs('E0002');
  const outside = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('data:')) outside.push(r.url());
  });
  await page.getByRole('link', { name: 'API 浏览器' }).click();
  await page.locator('.swagger-ui .info .title', { hasText: 'rmsuite' }).waitFor();
  await page.locator('.opblock-tag', { hasText: 'VisitService' }).first().waitFor();
  assert.match(await page.locator('#explorer-auth').innerText(), /刘洋/);
  await shot('19-api-explorer');
  assert.deepEqual(outside, [], 'every request stays on the gateway');
});

test('no page threw an uncaught error', () => {
  assert.deepEqual(pageErrors, []);
});
