// My month (客户经理): this month's visit plan as a calendar and a list of lines,
// with the steps of the monthly cycle the manager takes — generate the draft,
// submit it, record visits, submit the month's results.

import { get, isNotFound, post, requestId } from '../api';
import { fromCivil, isMonth, monthDays, thisMonth, today, weekday } from '../dates';
import { label, t } from '../i18n';
import { href, navigate } from '../router';
import type { PageProps } from '../sections';
import type { Plan, PlanItem } from '../types';
import { ActionResult, Async, Badge, Page, useAction, useAsync, useId } from '../ui';

export function mark(it: PlanItem): string {
  if (it.status === 'STATUS_DONE') return '★';
  if (it.kind === 'KIND_TASK') return '●';
  return '☆';
}

export function stateBadge(state: string | undefined) {
  const kind = state === 'STATE_APPROVED' ? 'ok' : state === 'STATE_REJECTED' ? 'bad' : state === 'STATE_SUBMITTED' ? 'warn' : '';
  return <Badge kind={kind}>{label('plan.state.', state)}</Badge>;
}

export function itemDate(it: PlanItem): string {
  return fromCivil(it.plannedDate) || fromCivil(it.doneDate);
}

export function MonthPicker({ value, onChange }: { value: string; onChange: (m: string) => void }) {
  const id = useId('month');
  return (
    <div class="toolbar">
      <label for={id}>{t('common.month')}</label>
      <input id={id} type="month" value={value} onChange={(e) => isMonth(e.currentTarget.value) && onChange(e.currentTarget.value)} />
    </div>
  );
}

export function CmMonth({ session, route }: PageProps) {
  const m = route.params.get('m') ?? '';
  const month = isMonth(m) ? m : thisMonth();
  const planName = `managers/${session.user}/plans/${month}`;
  const plan = useAsync(
    () => get<Plan>(`/v1/${planName}`).catch((e) => (isNotFound(e) ? null : Promise.reject(e))),
    [planName],
  );
  return (
    <Page title={t('page.cmMonth')}>
      <MonthPicker value={month} onChange={(v) => navigate('/cm/month', { m: v })} />
      <Async state={plan}>
        {(p) => (p ? <PlanView plan={p} reload={plan.reload} /> : <NoPlan user={session.user} month={month} reload={plan.reload} />)}
      </Async>
    </Page>
  );
}

function NoPlan({ user, month, reload }: { user: string; month: string; reload: () => void }) {
  const action = useAction();
  const generate = () =>
    action.run(async () => {
      await post('/v1/plans:generate', { scope: `managers/${user}`, month, requestId: requestId() });
      reload();
    });
  return (
    <div class="card">
      <p>{t('plan.none', { month })}</p>
      <button type="button" onClick={generate} disabled={action.busy}>
        {t('plan.generate')}
      </button>
      <ActionResult action={action} />
    </div>
  );
}

function PlanView({ plan, reload }: { plan: Plan; reload: () => void }) {
  const items = plan.items ?? [];
  const done = items.filter((i) => i.status === 'STATUS_DONE').length;
  const action = useAction();
  const submit = () =>
    action.run(async () => {
      await post(`/v1/${plan.name}:submit`, { etag: plan.etag, requestId: requestId() });
      reload();
      return t('plan.submitted');
    });
  const editable = plan.state === 'STATE_DRAFT' || plan.state === 'STATE_REJECTED';
  return (
    <>
      <div class="card plan-head">
        <div class="plan-summary">
          {stateBadge(plan.state)}
          <span>{t('plan.done', { done, total: items.length })}</span>
          <span class="muted">{t('plan.legend')}</span>
        </div>
        {plan.reviewComment && (
          <p class={plan.state === 'STATE_REJECTED' ? 'notice bad' : 'notice'}>
            {t('plan.reviewComment')}：{plan.reviewComment}
          </p>
        )}
        {editable && (
          <button type="button" onClick={submit} disabled={action.busy}>
            {t('plan.submit')}
          </button>
        )}
        <ActionResult action={action} />
      </div>
      <Calendar month={plan.month ?? ''} items={items} />
      <Lines items={items} month={plan.month ?? ''} approved={plan.state === 'STATE_APPROVED'} />
      {plan.state === 'STATE_APPROVED' && <Results plan={plan} reload={reload} />}
    </>
  );
}

function Calendar({ month, items }: { month: string; items: PlanItem[] }) {
  if (!isMonth(month)) return null;
  const days = monthDays(month);
  const byDay = new Map<string, PlanItem[]>();
  for (const it of items) {
    const d = itemDate(it);
    if (d) byDay.set(d, [...(byDay.get(d) ?? []), it]);
  }
  const cells: (string | null)[] = [...Array(weekday(days[0])).fill(null), ...days];
  while (cells.length % 7) cells.push(null);
  const weeks: (string | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  const names = t('weekday.short').split(',');
  const now = today();
  return (
    <div class="card">
      <h2>{t('plan.calendar')}</h2>
      <table class="calendar">
        <caption class="sr-only">{t('plan.calendar')} {month}</caption>
        <thead>
          <tr>
            {names.map((n) => (
              <th scope="col" key={n}>
                {n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((w, i) => (
            <tr key={i}>
              {w.map((d, j) => {
                if (!d) return <td key={j} class="empty" />;
                const its = byDay.get(d) ?? [];
                return (
                  <td key={d} class={`${j >= 5 ? 'weekend' : ''} ${d === now ? 'today' : ''} ${its.length ? 'busy' : ''}`}>
                    <a href={href('/cm/day', { d })} aria-label={`${d} ${t('plan.dayOpen')}`}>
                      <span class="day-number">{Number(d.slice(8))}</span>
                      <ul class="day-items">
                        {its.slice(0, 4).map((it) => (
                          <li key={it.id}>
                            <span aria-hidden="true">{mark(it)}</span> {it.customerDisplayName || it.customer || label('kind.', it.kind)}
                          </li>
                        ))}
                        {its.length > 4 && <li>+{its.length - 4}</li>}
                      </ul>
                    </a>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Lines({ items, month, approved }: { items: PlanItem[]; month: string; approved: boolean }) {
  return (
    <div class="card">
      <h2>{t('plan.lines')}</h2>
      {items.length === 0 ? (
        <p class="muted">{t('common.empty')}</p>
      ) : (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col" aria-label={t('plan.status')} />
                <th scope="col">{t('common.customer')}</th>
                <th scope="col">{t('plan.source')}</th>
                <th scope="col">{t('plan.actions')}</th>
                <th scope="col">{t('plan.method')}</th>
                <th scope="col">{t('plan.plannedDate')}</th>
                <th scope="col">{t('plan.status')}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {items.map((it) => (
                <tr key={it.id} data-customer={it.customer}>
                  <td aria-hidden="true">{mark(it)}</td>
                  <td>{it.customerDisplayName || it.customer || '—'}</td>
                  <td>
                    {label('source.', it.source)}
                    {it.carryCount ? <span class="muted"> · {t('plan.carried', { n: it.carryCount })}</span> : null}
                  </td>
                  <td>{(it.actions ?? []).join('；') || '—'}</td>
                  <td>{label('method.', it.method)}</td>
                  <td>
                    {fromCivil(it.plannedDate) ? (
                      <>
                        {fromCivil(it.plannedDate)} {label('slot.', it.slot)}
                      </>
                    ) : (
                      <span class="muted" title={it.unscheduledReason}>
                        {t('plan.unscheduled')}
                      </span>
                    )}
                  </td>
                  <td>{label('status.', it.status)}</td>
                  <td>
                    {approved && it.kind === 'KIND_VISIT' && it.status !== 'STATUS_DONE' && it.customer && (
                      <a class="button small" href={href('/cm/visit', { customer: it.customer, m: month })}>
                        {t('plan.record')}
                      </a>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function Results({ plan, reload }: { plan: Plan; reload: () => void }) {
  const r = plan.results;
  const action = useAction();
  const evalId = useId('eval');
  const impId = useId('imp');
  if (r?.state === 'STATE_SUBMITTED' || r?.state === 'STATE_ACCEPTED') {
    return (
      <div class="card">
        <h2>{t('plan.results')}</h2>
        <p>
          {t('plan.resultsState')}：<Badge kind={r.state === 'STATE_ACCEPTED' ? 'ok' : 'warn'}>{label('results.state.', r.state)}</Badge>{' '}
          {t('plan.done', { done: r.linesDone ?? 0, total: r.linesTotal ?? 0 })}
        </p>
        <p>{r.evaluation}</p>
      </div>
    );
  }
  const submit = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    action.run(async () => {
      await post(`/v1/${plan.name}:submitResults`, {
        etag: plan.etag,
        evaluation: String(f.get('evaluation') ?? ''),
        improvement: String(f.get('improvement') ?? ''),
        requestId: requestId(),
      });
      reload();
    });
  };
  return (
    <details class="card" open={r?.state === 'STATE_RETURNED'}>
      <summary>{t('plan.results')}</summary>
      <form class="form" onSubmit={submit}>
        {r?.state === 'STATE_RETURNED' && r.reviewComment && (
          <p class="notice bad">
            {t('plan.reviewComment')}：{r.reviewComment}
          </p>
        )}
        <label for={evalId}>{t('plan.evaluation')}</label>
        <textarea id={evalId} name="evaluation" rows={3} defaultValue={r?.evaluation} />
        <label for={impId}>
          {t('plan.improvement')}
          <span class="muted">{t('common.optional')}</span>
        </label>
        <textarea id={impId} name="improvement" rows={2} defaultValue={r?.improvement} />
        <div>
          <button type="submit" disabled={action.busy}>
            {t('plan.submitResults')}
          </button>
        </div>
        <ActionResult action={action} />
      </form>
    </details>
  );
}
