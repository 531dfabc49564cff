// My month (客户经理): this month's visit plan as a calendar and a list of lines,
// with the steps of the monthly cycle the manager takes — generate the draft,
// edit its lines (marketing actions, dates, method; add or remove customers and
// tasks) and note, submit it, record visits, submit the month's results.

import { useState } from 'preact/hooks';
import { api, get, isNotFound, post, requestId } from '../api';
import { fromCivil, isDate, isMonth, monthDays, thisMonth, toCivil, today, weekday } from '../dates';
import { label, t } from '../i18n';
import { href, navigate } from '../router';
import type { PageProps } from '../sections';
import type { Customer, Plan, PlanItem } from '../types';
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

function PlanView({ plan, reload }: { plan: Plan; reload: () => Promise<void> }) {
  const items = plan.items ?? [];
  const done = items.filter((i) => i.status === 'STATUS_DONE').length;
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
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
        {plan.note && (
          <p>
            <span class="muted">{t('plan.note')}：</span>
            {plan.note}
          </p>
        )}
        {editable && !editing && (
          <div class="buttons">
            <button
              type="button"
              class="secondary"
              onClick={() => {
                action.clear();
                setSaved(false);
                setEditing(true);
              }}
              disabled={action.busy}
            >
              {t('plan.edit')}
            </button>
            <button type="button" onClick={submit} disabled={action.busy}>
              {t('plan.submit')}
            </button>
          </div>
        )}
        {saved && !action.done && !action.error && (
          <p class="notice ok" role="status">
            {t('plan.saved')}
          </p>
        )}
        <ActionResult action={action} />
      </div>
      {editing ? (
        <PlanEditor
          plan={plan}
          onDone={async (ok) => {
            if (ok) await reload(); // the saved lines on screen before the editor closes
            setEditing(false);
            setSaved(ok);
          }}
        />
      ) : (
        <>
          <Calendar month={plan.month ?? ''} items={items} />
          <Lines items={items} month={plan.month ?? ''} approved={plan.state === 'STATE_APPROVED'} />
        </>
      )}
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
                    {fromCivil(it.plannedDate) && it.unscheduledReason ? <div class="warn-text small-text">{it.unscheduledReason}</div> : null}
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

/** A line as the editor holds it: the API's fields as form strings. */
interface EditLine {
  key: string;
  id?: string;
  kind: string;
  customer?: string;
  who: string;
  source?: string;
  status?: string;
  actions: string;
  date: string;
  method: string;
}

const METHODS = ['VISIT_METHOD_ON_SITE', 'VISIT_METHOD_PHONE', 'VISIT_METHOD_ONLINE'];
let newKeys = 0;

/**
 * PlanEditor edits a draft or returned plan: each line's marketing actions (one
 * per line of text), planned date within the month and method; lines removed or
 * added (a customer of mine, or a task); the plan's note. Saving sends the whole
 * list (PATCH items,note); the API names any line it refuses (items[i].…).
 */
function PlanEditor({ plan, onDone }: { plan: Plan; onDone: (saved: boolean) => Promise<void> }) {
  const month = plan.month ?? '';
  const [lines, setLines] = useState<EditLine[]>(() =>
    (plan.items ?? []).map((it) => ({
      key: it.id,
      id: it.id,
      kind: it.kind ?? 'KIND_VISIT',
      customer: it.customer,
      who: it.customerDisplayName || it.customer || label('kind.', it.kind),
      source: it.source,
      status: it.status,
      actions: (it.actions ?? []).join('\n'),
      date: fromCivil(it.plannedDate),
      method: it.method ?? '',
    })),
  );
  const [note, setNote] = useState(plan.note ?? '');
  const [addCustomer, setAddCustomer] = useState('');
  const [taskText, setTaskText] = useState('');
  const customers = useAsync(
    () => get<{ customers?: Customer[] }>('/v1/customers', { filter: `primary_manager = "${plan.manager}"`, pageSize: 500 }).then((r) => r.customers ?? []),
    [plan.manager],
  );
  const action = useAction();
  const ids = { note: useId('note'), add: useId('addc'), task: useId('task') };
  const [first, last] = isMonth(month) ? [`${month}-01`, monthDays(month).slice(-1)[0]] : ['', ''];
  const set = (key: string, patch: Partial<EditLine>) => setLines((ls) => ls.map((l) => (l.key === key ? { ...l, ...patch } : l)));
  const planned = new Set(lines.map((l) => l.customer).filter(Boolean));
  const free = customers.status === 'ok' ? customers.data.filter((c) => !planned.has(c.name)) : [];
  const save = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const items = lines.map((l) => ({
        id: l.id,
        kind: l.id ? undefined : l.kind,
        customer: l.id ? undefined : l.customer,
        actions: l.actions
          .split('\n')
          .map((a) => a.trim())
          .filter(Boolean),
        plannedDate: isDate(l.date) ? toCivil(l.date) : undefined,
        method: l.method || undefined,
      }));
      await api('PATCH', `/v1/${plan.name}`, {
        body: { name: plan.name, etag: plan.etag, items, note },
        query: { updateMask: 'items,note', requestId: requestId() },
      });
      await onDone(true);
    });
  };
  return (
    <form class="card form plan-editor" onSubmit={save}>
      <h2>{t('plan.editTitle')}</h2>
      <p class="muted small-text">{t('plan.editHint')}</p>
      <div class="table-wrap">
        <table class="data">
          <thead>
            <tr>
              <th scope="col">{t('common.customer')}</th>
              <th scope="col">{t('plan.actionsPerLine')}</th>
              <th scope="col">{t('plan.plannedDate')}</th>
              <th scope="col">{t('plan.method')}</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {lines.map((l, i) => (
              <tr key={l.key} data-customer={l.customer}>
                <th scope="row">
                  {l.who}
                  <div class="muted small-text">{l.id ? label('source.', l.source) : t('plan.newLine')}</div>
                </th>
                <td>
                  <textarea
                    rows={2}
                    aria-label={`${l.who} ${t('plan.actions')}`}
                    value={l.actions}
                    onInput={(e) => set(l.key, { actions: e.currentTarget.value })}
                  />
                </td>
                <td>
                  <input
                    type="date"
                    min={first}
                    max={last}
                    aria-label={`${l.who} ${t('plan.plannedDate')}`}
                    value={l.date}
                    onInput={(e) => set(l.key, { date: e.currentTarget.value })}
                  />
                </td>
                <td>
                  {l.kind === 'KIND_VISIT' ? (
                    <select aria-label={`${l.who} ${t('plan.method')}`} value={l.method} onChange={(e) => set(l.key, { method: e.currentTarget.value })}>
                      {!l.method && <option value="">—</option>}
                      {METHODS.map((m) => (
                        <option key={m} value={m}>
                          {label('method.', m)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  {l.status !== 'STATUS_DONE' && l.status !== 'STATUS_HANDED_OVER' && (
                    <button
                      type="button"
                      class="secondary small"
                      aria-label={`${t('plan.removeLine')} ${l.who} (${i + 1})`}
                      onClick={() => setLines((ls) => ls.filter((x) => x.key !== l.key))}
                    >
                      {t('plan.removeLine')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="toolbar add-line">
        <label for={ids.add}>{t('plan.addCustomer')}</label>
        <select id={ids.add} value={addCustomer} onChange={(e) => setAddCustomer(e.currentTarget.value)}>
          <option value="">{free.length ? t('plan.pickCustomer') : t('plan.noMoreCustomers')}</option>
          {free.map((c) => (
            <option key={c.name} value={c.name}>
              {c.displayName ?? c.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="secondary small"
          disabled={!addCustomer}
          onClick={() => {
            const c = free.find((x) => x.name === addCustomer);
            setLines((ls) => [
              ...ls,
              { key: `new-${++newKeys}`, kind: 'KIND_VISIT', customer: addCustomer, who: c?.displayName ?? addCustomer, actions: '', date: '', method: 'VISIT_METHOD_ON_SITE' },
            ]);
            setAddCustomer('');
          }}
        >
          {t('plan.addLine')}
        </button>
      </div>
      <div class="toolbar add-line">
        <label for={ids.task}>{t('plan.addTask')}</label>
        <input id={ids.task} value={taskText} onInput={(e) => setTaskText(e.currentTarget.value)} />
        <button
          type="button"
          class="secondary small"
          disabled={!taskText.trim()}
          onClick={() => {
            setLines((ls) => [...ls, { key: `new-${++newKeys}`, kind: 'KIND_TASK', who: label('kind.', 'KIND_TASK'), actions: taskText.trim(), date: '', method: '' }]);
            setTaskText('');
          }}
        >
          {t('plan.addLine')}
        </button>
      </div>
      <label for={ids.note}>
        {t('plan.note')}
        <span class="muted">{t('common.optional')}</span>
      </label>
      <textarea id={ids.note} rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      <div class="buttons">
        <button type="submit" disabled={action.busy}>
          {t('plan.save')}
        </button>
        <button type="button" class="secondary" onClick={() => void onDone(false)} disabled={action.busy}>
          {t('common.cancel')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}
