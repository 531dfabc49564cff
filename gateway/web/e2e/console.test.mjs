// Browser tests of the console, in headless Debian Chromium driven by
// playwright-core, against a suite started by gateway/browser (Go), which seeds:
//   - customers WEB1…WEB4 of 冯霞 (E3002, team-lujiazui), no plan yet;
//   - customers WEB5, WEB6 of 郑伟 (E3001) and his plan for next month, approved;
//   - a grade change of E3001 to 二级 prepared by HR (E0002), pending approval;
//   - an open customer request of WEB2;
//   - business figures of this month for 郑伟, 冯霞 and 周杰 (E1101), and this
//     year's deposits (周杰's meet the bank ladder's 高级 promotion indicator).
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
const year = today.slice(0, 4);
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
    // Chromium on Linux takes the locale of date and month inputs from the
    // environment, not from --lang.
    env: { ...process.env, LANG: 'zh_CN.UTF-8', LANGUAGE: 'zh_CN:zh' },
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
  // Signed in at `/`, the console moves to the role's home page in an effect
  // after rendering; wait for it, or a following go() may be overwritten.
  await page.waitForFunction(() => location.hash.length > 2);
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

  // Edit before submitting: marketing actions, a date and the method of one
  // line, a task added, and a note.
  await page.getByRole('button', { name: '编辑计划' }).click();
  const editor = page.locator('form.plan-editor');
  await editor.getByLabel('测试零售户3 营销动作').fill('推介新品\n检查价签');
  await editor.getByLabel('测试零售户3 计划日期').fill(today);
  await editor.getByLabel('测试零售户3 方式').selectOption('VISIT_METHOD_PHONE');
  await editor.getByLabel('添加任务').fill('整理客户档案');
  await editor.getByRole('button', { name: '添加' }).last().click();
  await editor.getByLabel('计划说明（选填）').fill('本月重点：新品推介');
  await shot('02-cm-plan-edit');
  await editor.getByRole('button', { name: '保存计划' }).click();
  await page.getByText('计划已保存。').waitFor();
  assert.equal(await rows.count(), 5, 'the task line was added');
  const line3 = page.locator('tr[data-customer="customers/WEB3"]');
  assert.match(await line3.innerText(), /推介新品；检查价签/);
  assert.match(await line3.innerText(), /电话/);
  await page.getByText('本月重点：新品推介').waitFor();
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
  const diff = card.locator('dl.diff');
  assert.match((await diff.locator('dd.diff-changed').allInnerTexts()).join('\n'), /测试零售户3.*推介新品；检查价签/, 'the edited line is shown as changed');
  assert.match((await diff.locator('dd.diff-added').allInnerTexts()).join('\n'), /整理客户档案/, 'the added task is shown');
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
  assert.match(result, /未完成的必做步骤：记：记录发现/, 'the skipped required step is reported by its title');
  assert.match(result, /低于安全库存：中华（硬）（现有 5，安全库存 12/, 'safety stock = 10 × 1.2');
  await shot('09-cm-visit-saved');

  await go(`/cm/month?m=${month}`);
  await page.getByText('已完成 1 / 5').waitFor();
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

test('month end: a customer manager submits the results, the supervisor returns them only with a comment, then accepts', async () => {
  await signInAs('E3002');
  await go(`/cm/month?m=${month}`);
  await page.locator('details summary', { hasText: '月末总结' }).click();
  await page.getByLabel('本月评价').fill('完成重点客户拜访，新品推介效果好。');
  await page.getByLabel('改进措施（选填）').fill('加快剩余客户的拜访。');
  await page.getByRole('button', { name: '提交月末总结' }).click();
  await page.locator('.badge', { hasText: '已提交' }).waitFor();

  await signInAs('E1101');
  await go('/sup/plans');
  const card = page.locator('li.results-card', { hasText: '冯霞' });
  await card.waitFor();
  assert.match(await card.innerText(), /新品推介效果好/);
  await card.getByRole('button', { name: '退回' }).click();
  assert.match(await errorText(card), /HTTP 400[\s\S]*comment/);
  await shot('26-supervisor-results');
  await card.getByRole('button', { name: '通过（结束本月）' }).click();
  await page.getByText(`已通过 冯霞 的 ${month} 月末总结。`).waitFor();
  await page.getByText('没有待审核的月末总结。').waitFor();

  await signInAs('E3002');
  await go(`/cm/month?m=${month}`);
  await page.locator('.badge', { hasText: '已通过' }).waitFor();
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

test('ratings: the supervisor rates the team, the branch head rates the supervisor; HR prepares closing, the committee approves', async () => {
  await signInAs('E1101');
  await go('/sup/ratings');
  const form = page.locator('form.ratings');
  await form.waitFor();
  // Nobody rates themselves: 周杰's own row is for his superior.
  assert.match(await form.locator('tr[data-manager="managers/E1101"]').innerText(), /由上级评分/);
  assert.equal(await form.locator('tr[data-manager="managers/E1101"] input').count(), 0);
  for (const who of ['郑伟', '冯霞']) {
    await form.getByLabel(`${who} 职业道德评价`).fill('95');
    await form.getByLabel(`${who} 基础管理工作评价`).fill('95');
  }
  await shot('27-supervisor-ratings');
  await form.getByRole('button', { name: '保存评分（4 项）' }).click();
  await page.getByText('已保存 4 项评分；批次还有 1 张评分卡待评分。').waitFor();

  await signInAs('E1100');
  await go('/sup/ratings');
  for (const indicator of ['职业道德评价', '基础管理工作评价', '信贷操作规范性评价']) await page.getByLabel(`周杰 ${indicator}`).fill('95');
  await page.getByRole('button', { name: '保存评分（3 项）' }).click();
  await page.getByText('已保存 3 项评分；批次还有 0 张评分卡待评分。').waitFor();

  await signInAs('E0002');
  await go('/assess/runs');
  const run = page.locator('li.run-card', { hasText: '陆家嘴支行营销团队' });
  await run.getByLabel('说明（选填）').fill('月度考评结束');
  await run.getByRole('button', { name: '提请结束（需他人审批）' }).click();
  await run.locator('.badge', { hasText: '待批准结束' }).waitFor();

  await signInAs('E0003');
  await go('/approvals');
  await page.locator('li.approval-card', { hasText: `runs/${month}-team-lujiazui` }).getByRole('button', { name: '批准' }).click();
  await page.getByText('已批准。').waitFor();
  await go('/assess/runs');
  await page.locator('li.run-card', { hasText: '陆家嘴支行营销团队' }).locator('.badge', { hasText: '已结束' }).waitFor();
});

test('grade decisions: the year assessed, a round proposed by HR and approved by the committee, the roster’s grade changes', async () => {
  // The committee starts the annual assessment and enters the summaries and
  // the additional assessment of the promotion candidate.
  await signInAs('E0003');
  await go('/assess/cycles');
  await page.getByLabel('机构').selectOption('orgUnits/team-lujiazui');
  await page.getByLabel('期间').fill(year);
  await page.getByRole('button', { name: '发起考核' }).click();
  await page.getByText(`已发起 ${year}-team-lujiazui：3 人有结果。`).waitFor();
  const assessment = page.locator('li.assessment-card', { hasText: '陆家嘴支行营销团队' });
  await assessment.getByRole('button', { name: '查看' }).click();
  for (const [who, summary] of [['周杰', '95'], ['郑伟', '85'], ['冯霞', '80']]) await assessment.getByLabel(`${who} 年度总结`).fill(summary);
  await assessment.getByLabel('周杰 自评').fill('90');
  await assessment.getByLabel('周杰 委员会评分').fill('90');
  await assessment.getByRole('button', { name: '保存录入' }).click();
  await page.getByText('已保存，3 人的结果已重新计算。').waitFor();
  const zhou = assessment.locator('tr[data-manager="managers/E1101"]');
  assert.match(await zhou.innerText(), /88\.70/, 'monthly 86 × 70 % + summary 95 × 30 %');
  await shot('28-annual-assessment');

  // HR proposes the year's decisions on the bank ladder and submits them.
  await signInAs('E0002');
  await go('/assess/decisions');
  await page.getByLabel('机构').selectOption('orgUnits/team-lujiazui');
  await page.getByLabel('期间').fill(year);
  await page.getByRole('button', { name: '生成评定建议' }).click();
  await page.getByText(new RegExp(`已生成 ${year}-bank-team-lujiazui：3 项决定，其中 \\d 项等级变动。`)).waitFor();
  const round = page.locator('li.decision-round', { hasText: '陆家嘴支行营销团队' });
  const decision = round.locator('tr[data-manager="managers/E1101"]');
  assert.match(await decision.innerText(), /晋升[\s\S]*一级 → 高级/);
  await decision.getByRole('button', { name: '依据' }).click();
  const why = round.locator('.decision-why');
  assert.match(await why.innerText(), /all 5 promotion indicators met/);
  assert.equal(await why.locator('table.checks tr.warn-row').count(), 0, 'every promotion indicator met');
  await shot('29-decision-round');
  await round.getByLabel('提交说明（选填）').fill('年度等级评定');
  await round.getByRole('button', { name: '提交委员会审批' }).click();
  await round.locator('.badge', { hasText: '待委员会批准' }).waitFor();
  assert.equal(await round.getByRole('button', { name: '批准等级决定' }).count(), 0, 'the preparer cannot approve');

  // Another person, the committee, approves: the roster applies the changes.
  await signInAs('E0003');
  await go('/assess/decisions');
  await round.getByRole('button', { name: '批准等级决定' }).click();
  await page.getByText(`已批准 ${year}-bank-team-lujiazui：等级变动正在写入花名册。`).waitFor();
  await round.locator('tr[data-manager="managers/E1101"]', { hasText: '已写入花名册' }).waitFor({ timeout: 20_000 });
  await shot('30-decisions-applied');

  await signInAs('E0002');
  await go('/hr/managers/E1101');
  const entry = page.locator('table.history tr', { hasText: '高级' }).last();
  await entry.waitFor();
  assert.match(await entry.innerText(), new RegExp(`${Number(year) + 1}-01-01`), 'effective the next period’s first day');
  assert.match(await entry.innerText(), new RegExp(`decisionRounds/${year}-bank-team-lujiazui`), 'the decision is the reference');
  await shot('31-hr-manager-promoted');
});

test('payroll: HR records an award, computes and submits a run, a branch head approves it, HR downloads the XLSX, the manager reads the payslip', async () => {
  await signInAs('E0002');
  await go('/pay/inputs');
  // A deduction recorded by mistake is removed; an award stays.
  await page.getByLabel('客户经理', { exact: true }).selectOption('managers/E3002');
  await page.getByLabel('数值').fill('50');
  await page.getByLabel('代码').fill('LATE');
  await page.getByRole('button', { name: '录入', exact: true }).click();
  await page.getByText(`已为 冯霞 录入 ${month} 的日常行为规范扣款。`).waitFor();
  await page.locator('table.pay-inputs tr', { hasText: '日常行为规范扣款' }).getByRole('button', { name: /删除/ }).click();
  await page.getByText('已删除 冯霞 的日常行为规范扣款。').waitFor();
  await page.getByLabel('类别').selectOption('KIND_AWARD');
  await page.getByLabel('数值').fill('300');
  await page.getByLabel('代码').fill('SUGGESTION');
  await page.getByLabel('说明（显示在工资条上）（选填）').fill('合理化建议奖');
  await page.getByRole('button', { name: '录入', exact: true }).click();
  await page.getByText(`已为 冯霞 录入 ${month} 的奖励。`).waitFor();
  await page.locator('table.pay-inputs tr', { hasText: 'SUGGESTION' }).waitFor();
  assert.equal(await page.locator('table.pay-inputs tbody tr').count(), 1, 'the deleted deduction is gone');
  await shot('32-pay-inputs');

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
  assert.match(await page.locator('.payslip').innerText(), /奖励 SUGGESTION[\s\S]*300\.00/, 'the award HR recorded');
  await shot('25-cm-payslip');
});

test('appeals: a manager appeals the closed score card, the committee upholds it with a corrected value and the card is rescored', async () => {
  await signInAs('E3002');
  await go('/cm/scores');
  const before = await page.locator('.score-total').innerText();
  await page.getByRole('link', { name: '对此结果申诉' }).click();
  const form = page.locator('form.file-appeal');
  assert.equal(await form.getByLabel('申诉的结果').inputValue(), `runs/${month}-team-lujiazui/scoreCards/E3002`, 'the card the manager came from');
  // Without a reason the API refuses, naming the field.
  await form.getByRole('button', { name: '提交申诉' }).click();
  assert.match(await errorText(form), /appeal\.reason/);
  await form.getByLabel('申诉理由').fill('按时拜访率有误：拜访记录因系统故障未同步，应为 100%。');
  await form.getByRole('button', { name: '提交申诉' }).click();
  await page.getByText(/已提交申诉，等待考评委员会决定（申诉期至 \d{4}-\d{2}-\d{2}）。/).waitFor();
  const mine = page.locator('li.appeal-card', { hasText: '冯霞' });
  await mine.locator('.badge', { hasText: '已提交' }).waitFor();
  assert.equal(await mine.getByRole('button', { name: '撤回申诉' }).count(), 1, 'the filer may withdraw until it is decided');
  await shot('33-cm-appeal');

  await signInAs('E0003');
  await go('/assess/appeals');
  const card = page.locator('li.appeal-card', { hasText: '冯霞' });
  await card.getByLabel('申诉成立，更正结果').check();
  await card.getByLabel('按时拜访率 更正后的数值').fill('100');
  await card.getByLabel('决定理由').fill('核实拜访记录，更正按时拜访率。');
  await shot('34-committee-appeal');
  await card.getByRole('button', { name: '记录决定' }).click();
  await page.getByText('申诉成立，结果已更正。').waitFor();
  await page.getByText('没有待决定的申诉。').waitFor();
  await page.getByLabel('显示').selectOption('all');
  const decided = page.locator('li.appeal-card', { hasText: '冯霞' });
  await decided.locator('.badge', { hasText: '申诉成立' }).waitFor();
  const amended = await decided.locator('.amendment').innerText();
  assert.match(amended, /第 2 版/, amended);
  assert.match(amended, /按时拜访率：0\.0000 → 100/, 'the corrected value under the indicator’s name');
  const m = /得分 ([\d.]+) → ([\d.]+)/.exec(amended);
  assert.ok(m && m[1] === before && Number(m[2]) > Number(m[1]), `the total rises from ${before}: ${amended}`);

  await signInAs('E3002');
  await go('/cm/scores');
  await page.locator('.score-total', { hasText: m[2] }).waitFor();
});

test('early demotion: a refusal is explained; the supervisor proposes, the branch head approves, the roster applies it', async () => {
  await signInAs('E1101');
  await go('/assess/early-demotions');
  const form = page.locator('form.propose-demotion');
  await form.getByLabel('客户经理').selectOption('E3001');
  await form.getByRole('button', { name: '提交审批' }).click();
  assert.match(await errorText(form), /early_demotion\.reason/);
  const [y, mo] = nextMonth.split('-').map(Number);
  const effective = mo === 12 ? `${y + 1}-01-15` : `${y}-${String(mo + 1).padStart(2, '0')}-15`;
  await form.getByLabel(/生效日期/).fill(effective);
  await form.getByLabel('违规事实').fill('违规代客户保管网银密码');
  await form.getByRole('button', { name: '提交审批' }).click();
  await page.getByText(`已提议 郑伟 的提前降级或解聘，自 ${effective} 起生效，等待支行行长批准。`).waitFor();
  const row = page.locator('table.early-demotions tr[data-manager="managers/E3001"]');
  await row.locator('.badge', { hasText: '待批准' }).waitFor();

  await signInAs('E1100');
  await go('/assess/early-demotions');
  await row.getByRole('link', { name: '去审批' }).click();
  await page.locator('li.approval-card', { hasText: 'managers/E3001' }).getByRole('button', { name: '批准' }).click();
  await page.getByText('已批准。').waitFor();
  await go('/assess/early-demotions');
  await row.locator('.badge', { hasText: '已批准' }).waitFor();
  await row.getByText('已写入花名册').waitFor({ timeout: 20_000 }).catch(async (e) => {
    throw new Error(`${e.message}\nrow: ${await row.innerText()}`);
  });
  await shot('35-early-demotion');

  await signInAs('E0002');
  await go('/hr/managers/E3001');
  const entry = page.locator('table.history tr', { hasText: effective });
  await entry.waitFor();
  assert.match(await entry.innerText(), /提前降级/);
});

test('pay configuration: a new version with a bad formula shows the mistake at its position, then a good one is saved', async () => {
  await signInAs('E0002');
  await go('/pay/configs');
  await page.locator('table.components', { hasText: 'coefficient * performance_standard' }).waitFor();
  await page.getByRole('button', { name: '以此为基础新建版本' }).click();
  const form = page.locator('form.pay-config-form');
  const performance = form.locator('[data-component="PERFORMANCE"]');
  await performance.locator('textarea').fill('coefficient *\n  performanse_standard');
  await form.getByRole('button', { name: '保存新版本' }).click();
  const problem = performance.locator('.formula-error');
  await problem.waitFor();
  assert.match(await problem.innerText(), /第 2 行第 3 列：unknown name "performanse_standard"/);
  const [line, caret] = (await problem.locator('pre').innerText()).split('\n');
  assert.equal(line, '  performanse_standard', 'the formula line with the mistake');
  assert.equal(caret, '  ^', 'the caret under column 3');
  assert.match(await errorText(form), /HTTP 400[\s\S]*components\[1\]\.formula/);
  await shot('33-pay-config-error');

  await performance.locator('textarea').fill('coefficient * performance_standard');
  await form.getByLabel('other_allowance 金额').fill('600.00');
  await form.getByRole('button', { name: '检查' }).click();
  await form.getByText('检查通过（尚未保存）。').waitFor();
  assert.equal(await problem.count(), 0);
  await form.getByRole('button', { name: '保存新版本' }).click();
  const [y, m] = nextMonth.split('-');
  await page.getByText(`已保存自 ${y}-${m}-01 起生效的新版本。`).waitFor();
  assert.match(await page.getByLabel('版本').locator('option:checked').innerText(), new RegExp(`自 ${y}-${m}-01 起`));
  assert.match(await page.locator('table.parameters tr', { hasText: 'other_allowance' }).innerText(), /600\.00/);
  await shot('34-pay-config-saved');
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
