// Plan approvals (计划审批): the team's submitted plans, each with its lines and
// what the manager changed against the generated draft; approve, or reject with a
// comment saying what to change. The month-end results (月末总结) the managers
// submitted: accept them (the month is closed) or return them with a comment.
// Also: generate the month's drafts for the team.

import { useState } from 'preact/hooks';
import { get, post, requestId } from '../api';
import { fromCivil, isMonth, thisMonth, formatTime } from '../dates';
import { label, t } from '../i18n';
import type { PageProps } from '../sections';
import type { OrgUnit, Plan, PlanDiff, PlanItem } from '../types';
import { ActionResult, Async, Page, idOf, useAction, useAsync, useId } from '../ui';
import { mark, stateBadge } from './cm-month';
import { useTeam } from './team';

export function SupPlans({ session }: PageProps) {
  const team = useTeam();
  const [decided, setDecided] = useState(0); // the team's list follows each decision
  const [notice, setNotice] = useState(''); // outlives the decided plan's card
  const pending = useAsync(
    () => get<{ plans?: Plan[] }>('/v1/managers/-/plans', { filter: 'state = SUBMITTED', pageSize: 100 }).then((r) => r.plans ?? []),
    [],
  );
  return (
    <Page title={t('page.supPlans')}>
      <h2>{t('sup.pending')}</h2>
      {notice && (
        <p class="notice ok" role="status">
          {notice}
        </p>
      )}
      <Async state={pending}>
        {(plans) =>
          plans.length === 0 ? (
            <p class="card">{t('sup.nonePending')}</p>
          ) : (
            <ul class="plans">
              {plans.map((p) => (
                <PendingPlan key={p.name} plan={p} who={team.names.get(idOf(p.manager)) ?? idOf(p.manager)}
                  onDecided={(msg) => {
                    setNotice(msg);
                    pending.reload();
                    setDecided((n) => n + 1);
                  }}
                />
              ))}
            </ul>
          )
        }
      </Async>
      <ResultsReview names={team.names} version={decided} onDecided={() => setDecided((n) => n + 1)} />
      <TeamPlans names={team.names} version={decided} />
      <Generate orgUnit={session.orgUnit} />
    </Page>
  );
}

function PendingPlan({ plan, who, onDecided }: { plan: Plan; who: string; onDecided: (notice: string) => void }) {
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState('');
  const action = useAction();
  const commentId = useId('comment');
  const hintId = useId('hint');
  const decide = (verb: 'approve' | 'reject') =>
    action.run(async () => {
      await post(`/v1/${plan.name}:${verb}`, { etag: plan.etag, comment, requestId: requestId() });
      onDecided(t(verb === 'approve' ? 'sup.approved' : 'sup.rejected', { who, month: plan.month ?? '' }));
    });
  return (
    <li class="card plan-card" data-plan={plan.name}>
      <div class="plan-summary">
        <strong>{who}</strong>
        <span>{plan.month}</span>
        {stateBadge(plan.state)}
        <span class="muted">
          {t('sup.submittedAt')} {formatTime(plan.submitTime)}
        </span>
        <button type="button" class="secondary small" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? t('common.close') : t('common.open')}
        </button>
      </div>
      {open && <PlanDetail name={plan.name} />}
      <label for={commentId}>{t('sup.comment')}</label>
      <textarea id={commentId} rows={2} aria-describedby={hintId} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      <p id={hintId} class="muted small-text">
        {t('sup.commentHint')}
      </p>
      <div class="buttons">
        <button type="button" onClick={() => decide('approve')} disabled={action.busy}>
          {t('sup.approve')}
        </button>
        <button type="button" class="danger" onClick={() => decide('reject')} disabled={action.busy}>
          {t('sup.reject')}
        </button>
      </div>
      <ActionResult action={action} />
    </li>
  );
}

function PlanDetail({ name }: { name: string }) {
  const data = useAsync(() => Promise.all([get<Plan>(`/v1/${name}`), get<PlanDiff>(`/v1/${name}:diff`)]), [name]);
  return (
    <Async state={data}>
      {([plan, diff]) => (
        <div class="plan-detail">
          {plan.note && (
            <p>
              <span class="muted">{t('plan.note')}：</span>
              {plan.note}
            </p>
          )}
          <ItemTable items={plan.items ?? []} />
          <h3>{t('sup.diff')}</h3>
          {!(diff.added?.length || diff.removed?.length || diff.changed?.length) ? (
            <p class="muted">{t('sup.noDiff')}</p>
          ) : (
            <dl class="diff">
              {diff.added?.length ? <DiffGroup title={t('sup.added')} kind="added" items={diff.added} /> : null}
              {diff.removed?.length ? <DiffGroup title={t('sup.removed')} kind="removed" items={diff.removed} /> : null}
              {diff.changed?.length ? <DiffGroup title={t('sup.changed')} kind="changed" items={diff.changed} before={diff.generated} /> : null}
            </dl>
          )}
        </div>
      )}
    </Async>
  );
}

function describe(it: PlanItem): string {
  return [it.customerDisplayName || it.customer || label('kind.', it.kind), (it.actions ?? []).join('；'), fromCivil(it.plannedDate), label('method.', it.method)]
    .filter(Boolean)
    .join(' · ');
}

function DiffGroup({ title, kind, items, before }: { title: string; kind: string; items: PlanItem[]; before?: PlanItem[] }) {
  return (
    <>
      <dt class={`diff-${kind}`}>{title}</dt>
      {items.map((it) => {
        const was = before?.find((b) => b.id === it.id);
        return (
          <dd key={it.id} class={`diff-${kind}`}>
            {was && <del>{describe(was)}</del>} {kind === 'removed' ? <del>{describe(it)}</del> : <ins>{describe(it)}</ins>}
          </dd>
        );
      })}
    </>
  );
}

function ItemTable({ items }: { items: PlanItem[] }) {
  return (
    <div class="table-wrap">
      <table class="data">
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col">{t('common.customer')}</th>
            <th scope="col">{t('plan.source')}</th>
            <th scope="col">{t('plan.actions')}</th>
            <th scope="col">{t('plan.method')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((it) => (
            <tr key={it.id}>
              <td aria-hidden="true">{mark(it)}</td>
              <td>{it.customerDisplayName || it.customer || label('kind.', it.kind)}</td>
              <td>{label('source.', it.source)}</td>
              <td>{(it.actions ?? []).join('；') || '—'}</td>
              <td>{label('method.', it.method)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TeamPlans({ names, version }: { names: Map<string, string>; version: number }) {
  const [month, setMonth] = useState(thisMonth());
  const id = useId('tmonth');
  const list = useAsync(
    () => get<{ plans?: Plan[] }>('/v1/managers/-/plans', { filter: `month = "${month}"`, pageSize: 200 }).then((r) => r.plans ?? []),
    [month, version],
  );
  return (
    <div class="card">
      <h2>{t('sup.teamPlans')}</h2>
      <div class="toolbar">
        <label for={id}>{t('common.month')}</label>
        <input id={id} type="month" value={month} onChange={(e) => isMonth(e.currentTarget.value) && setMonth(e.currentTarget.value)} />
      </div>
      <Async state={list}>
        {(plans) =>
          plans.length === 0 ? (
            <p class="muted">{t('common.empty')}</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">{t('common.manager')}</th>
                  <th scope="col">{t('common.state')}</th>
                  <th scope="col">{t('plan.resultsState')}</th>
                </tr>
              </thead>
              <tbody>
                {plans.map((p) => (
                  <tr key={p.name}>
                    <td>{names.get(idOf(p.manager)) ?? idOf(p.manager)}</td>
                    <td>{stateBadge(p.state)}</td>
                    <td>{p.results?.state ? label('results.state.', p.results.state) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
    </div>
  );
}

function Generate({ orgUnit }: { orgUnit: string }) {
  const [month, setMonth] = useState(thisMonth());
  const action = useAction();
  const id = useId('gmonth');
  const unit = useAsync(() => (orgUnit ? get<OrgUnit>(`/v1/orgUnits/${orgUnit}`) : Promise.resolve(null)), [orgUnit]);
  const unitName = unit.status === 'ok' && unit.data ? unit.data.displayName ?? orgUnit : orgUnit;
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const r = await post<{ plansCreated?: number; plansExisting?: number }>('/v1/plans:generate', {
        scope: `orgUnits/${orgUnit}`,
        month,
        requestId: requestId(),
      });
      return t('sup.generated', { created: r.plansCreated ?? 0, existing: r.plansExisting ?? 0 });
    });
  };
  return (
    <form class="card form" onSubmit={submit}>
      <h2>{t('sup.generate')}</h2>
      <p class="muted">{t('sup.generateHint', { unit: unitName })}</p>
      <div class="toolbar">
        <label for={id}>{t('common.month')}</label>
        <input id={id} type="month" value={month} onChange={(e) => isMonth(e.currentTarget.value) && setMonth(e.currentTarget.value)} />
        <button type="submit" disabled={action.busy || !orgUnit}>
          {t('sup.generate')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}

/** ResultsReview lists the approved plans whose month-end results wait for the supervisor. */
function ResultsReview({ names, version, onDecided }: { names: Map<string, string>; version: number; onDecided: () => void }) {
  const [notice, setNotice] = useState('');
  const list = useAsync(
    () =>
      get<{ plans?: Plan[] }>('/v1/managers/-/plans', { filter: 'state = APPROVED', pageSize: 500 }).then((r) =>
        (r.plans ?? []).filter((p) => p.results?.state === 'STATE_SUBMITTED'),
      ),
    [version],
  );
  return (
    <>
      <h2>{t('results.pending')}</h2>
      {notice && (
        <p class="notice ok" role="status">
          {notice}
        </p>
      )}
      <Async state={list}>
        {(plans) =>
          plans.length === 0 ? (
            <p class="card">{t('results.nonePending')}</p>
          ) : (
            <ul class="plans">
              {plans.map((p) => (
                <ResultsCard
                  key={p.name}
                  plan={p}
                  who={names.get(idOf(p.manager)) ?? idOf(p.manager)}
                  onDecided={(msg) => {
                    setNotice(msg);
                    list.reload();
                    onDecided();
                  }}
                />
              ))}
            </ul>
          )
        }
      </Async>
    </>
  );
}

function ResultsCard({ plan, who, onDecided }: { plan: Plan; who: string; onDecided: (notice: string) => void }) {
  const [comment, setComment] = useState('');
  const action = useAction();
  const commentId = useId('rcomment');
  const r = plan.results ?? {};
  const decide = (accept: boolean) =>
    action.run(async () => {
      await post(`/v1/${plan.name}:reviewResults`, { etag: plan.etag, accept, comment, requestId: requestId() });
      onDecided(t(accept ? 'results.accepted' : 'results.returned', { who, month: plan.month ?? '' }));
    });
  return (
    <li class="card form results-card" data-plan={plan.name}>
      <div class="plan-summary">
        <strong>{who}</strong>
        <span>{plan.month}</span>
        <span>{t('plan.done', { done: r.linesDone ?? 0, total: r.linesTotal ?? 0 })}</span>
        <span class="muted">
          {t('sup.submittedAt')} {formatTime(r.submitTime)}
        </span>
      </div>
      <dl class="facts">
        <dt>{t('plan.evaluation')}</dt>
        <dd>{r.evaluation || '—'}</dd>
        <dt>{t('plan.improvement')}</dt>
        <dd>{r.improvement || '—'}</dd>
      </dl>
      <label for={commentId}>{t('sup.comment')}</label>
      <textarea id={commentId} rows={2} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      <p class="muted small-text">{t('results.commentHint')}</p>
      <div class="buttons">
        <button type="button" onClick={() => decide(true)} disabled={action.busy}>
          {t('results.accept')}
        </button>
        <button type="button" class="danger" onClick={() => decide(false)} disabled={action.busy}>
          {t('results.return')}
        </button>
      </div>
      <ActionResult action={action} />
    </li>
  );
}
