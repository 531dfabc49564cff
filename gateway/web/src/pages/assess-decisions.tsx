// Grade decisions (等级评定): rounds for a ladder, an org subtree and a period
// (a year for the bank ladder and 三级九档, a quarter for the sales ladder).
// HR or the committee creates a round; the assessment service proposes one
// decision per manager — promotion only with every promotion indicator met,
// maintenance or demotion by one step, quotas — each with its checks and
// reasons. The round is submitted and another person (the committee) approves
// it; then every grade change goes to the roster, effective the first day of
// the next period, and each decision shows when the roster applied it.

import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { get, post, requestId } from '../api';
import { formatTime, fromCivil, thisMonth } from '../dates';
import { label, t } from '../i18n';
import type { PageProps } from '../sections';
import type { Session } from '../session';
import type { DecisionRound, GradeDecision, GradeLadder, RequirementCheck } from '../types';
import { ActionResult, Async, Badge, Page, idOf, useAction, useAsync, useFollow, useId } from '../ui';
import { useOrgUnits } from './orgunits';
import { useTeam } from './team';

const writers = ['hr_officer', 'committee'];
const approvers = ['committee', 'branch_head'];
const inFlight = (d: GradeDecision) => d.delivery === 'DELIVERY_PENDING';

export function AssessDecisions({ session }: PageProps) {
  const units = useOrgUnits();
  const team = useTeam();
  const ladders = useAsync(() => get<{ gradeLadders?: GradeLadder[] }>('/v1/gradeLadders', { pageSize: 50 }).then((r) => r.gradeLadders ?? []), []);
  const ladderNames = new Map((ladders.status === 'ok' ? ladders.data : []).map((l) => [l.name, l.displayName ?? idOf(l.name)]));
  const rounds = useAsync(() => get<{ decisionRounds?: DecisionRound[] }>('/v1/decisionRounds', { pageSize: 100 }).then((r) => r.decisionRounds ?? []), []);
  const [notice, setNotice] = useState('');
  const canWrite = session.roles.some((r) => writers.includes(r));
  return (
    <Page title={t('page.assessDecisions')}>
      <p class="muted">{t('dec.intro')}</p>
      {canWrite && (
        <NewRound
          units={units.units.map((u) => [u.name, u.displayName ?? u.name])}
          ladders={ladders.status === 'ok' ? ladders.data : []}
          onCreated={rounds.reload}
        />
      )}
      {notice && (
        <p class="notice ok" role="status">
          {notice}
        </p>
      )}
      <Async state={rounds}>
        {(rs) =>
          rs.length === 0 ? (
            <p class="card">{t('dec.none')}</p>
          ) : (
            <ul class="plans">
              {rs.map((r) => (
                <RoundCard
                  key={r.name}
                  round={r}
                  session={session}
                  unit={units.names.get(r.orgUnit ?? '') ?? idOf(r.orgUnit)}
                  ladder={ladderNames.get(r.ladder ?? '') ?? idOf(r.ladder)}
                  names={team.names}
                  onChanged={async (msg) => {
                    await rounds.reload();
                    if (msg) setNotice(msg);
                  }}
                />
              ))}
            </ul>
          )
        }
      </Async>
    </Page>
  );
}

function NewRound({ units, ladders, onCreated }: { units: [string, string][]; ladders: GradeLadder[]; onCreated: () => Promise<void> }) {
  const [unit, setUnit] = useState('');
  const [ladder, setLadder] = useState('');
  const [period, setPeriod] = useState(thisMonth().slice(0, 4));
  const action = useAction();
  const ids = { unit: useId('unit'), ladder: useId('ladder'), period: useId('period'), hint: useId('hint') };
  const chosenLadder = ladder || ladders.find((l) => l.default)?.name || ladders[0]?.name || '';
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const r = await post<DecisionRound>('/v1/decisionRounds', { orgUnit: unit || units[0]?.[0], ladder: chosenLadder, period: period.trim() }, { requestId: requestId() });
      await onCreated();
      return t('dec.created', { name: idOf(r.name), n: r.decisions ?? 0, moves: r.moves ?? 0 });
    });
  };
  return (
    <form class="card form" onSubmit={submit}>
      <h2>{t('dec.new')}</h2>
      <div class="toolbar">
        <label for={ids.unit}>{t('common.orgUnit')}</label>
        <select id={ids.unit} value={unit || units[0]?.[0]} onChange={(e) => setUnit(e.currentTarget.value)}>
          {units.map(([name, display]) => (
            <option key={name} value={name}>
              {display}
            </option>
          ))}
        </select>
        <label for={ids.ladder}>{t('grades.ladder')}</label>
        <select id={ids.ladder} value={chosenLadder} onChange={(e) => setLadder(e.currentTarget.value)}>
          {ladders.map((l) => (
            <option key={l.name} value={l.name}>
              {l.displayName ?? idOf(l.name)}
            </option>
          ))}
        </select>
        <label for={ids.period}>{t('dec.period')}</label>
        <input id={ids.period} size={9} value={period} aria-describedby={ids.hint} onInput={(e) => setPeriod(e.currentTarget.value)} />
        <button type="submit" disabled={action.busy || !chosenLadder}>
          {t('dec.create')}
        </button>
      </div>
      <p id={ids.hint} class="muted small-text">
        {t('dec.periodHint')}
      </p>
      <ActionResult action={action} />
    </form>
  );
}

function RoundCard({
  round,
  session,
  unit,
  ladder,
  names,
  onChanged,
}: {
  round: DecisionRound;
  session: Session;
  unit: string;
  ladder: string;
  names: Map<string, string>;
  onChanged: (notice: string) => Promise<void>;
}) {
  const [open, setOpen] = useState(round.state !== 'STATE_APPROVED');
  const [reason, setReason] = useState('');
  const action = useAction();
  const reasonId = useId('reason');
  const canWrite = session.roles.some((r) => writers.includes(r));
  const canApprove = session.roles.some((r) => approvers.includes(r)) && round.submittedBy !== session.user;
  const step = (verb: 'recompute' | 'submit') =>
    action.run(async () => {
      await post(`/v1/${round.name}:${verb}`, { etag: round.etag, reason: verb === 'submit' ? reason : undefined, requestId: requestId() });
      await onChanged('');
      return t(verb === 'submit' ? 'dec.submitted' : 'dec.recomputed');
    });
  const decide = (verb: 'approve' | 'reject') =>
    action.run(async () => {
      await post(`/v1/${round.approval}:${verb}`, { reason, requestId: requestId() });
      await onChanged(t(verb === 'approve' ? 'dec.approved' : 'dec.rejected', { name: idOf(round.name) }));
    });
  const kind = round.state === 'STATE_APPROVED' ? 'ok' : round.state === 'STATE_APPROVING' ? 'warn' : '';
  return (
    <li class="card run-card decision-round" data-round={round.name}>
      <div class="plan-summary">
        <strong>{round.period}</strong>
        <span>{unit}</span>
        <span>{ladder}</span>
        <Badge kind={kind}>{label('dec.state.', round.state)}</Badge>
        <span class="muted">{t('dec.counts', { n: round.decisions ?? 0, moves: round.moves ?? 0 })}</span>
        <span class="muted">
          {t('dec.effective')} {fromCivil(round.effectiveDate)}
        </span>
        <button type="button" class="secondary small" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? t('common.close') : t('common.open')}
        </button>
      </div>
      {round.state === 'STATE_APPROVED' && (
        <p class="muted small-text">{t('dec.approvedBy', { who: round.approvedBy ?? '', time: formatTime(round.approveTime) })}</p>
      )}
      {(round.skipped ?? []).length > 0 && (
        <details>
          <summary>{t('dec.skipped', { n: round.skipped?.length ?? 0 })}</summary>
          <ul class="plain small-text">
            {(round.skipped ?? []).map((s) => (
              <li key={s.manager}>
                {names.get(idOf(s.manager)) ?? ''} {idOf(s.manager)}：{s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {open && <Decisions round={round} names={names} />}
      {round.state === 'STATE_PROPOSED' && canWrite && (
        <div class="form">
          <label for={reasonId}>
            {t('dec.reason')}
            <span class="muted">{t('common.optional')}</span>
          </label>
          <input id={reasonId} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <div class="buttons">
            <button type="button" class="secondary" onClick={() => step('recompute')} disabled={action.busy}>
              {t('dec.recompute')}
            </button>
            <button type="button" onClick={() => step('submit')} disabled={action.busy}>
              {t('dec.submit')}
            </button>
          </div>
        </div>
      )}
      {round.state === 'STATE_APPROVING' &&
        (canApprove && round.approval ? (
          <div class="form">
            <label for={reasonId}>{t('appr.reason')}</label>
            <input id={reasonId} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            <div class="buttons">
              <button type="button" onClick={() => decide('approve')} disabled={action.busy}>
                {t('dec.approve')}
              </button>
              <button type="button" class="danger" onClick={() => decide('reject')} disabled={action.busy}>
                {t('appr.reject')}
              </button>
            </div>
          </div>
        ) : (
          <p class="muted">{t('dec.waiting', { who: round.submittedBy ?? '' })}</p>
        ))}
      <ActionResult action={action} />
    </li>
  );
}

function Decisions({ round, names }: { round: DecisionRound; names: Map<string, string> }) {
  const [onlyMoves, setOnlyMoves] = useState(false);
  const [shown, setShown] = useState('');
  const list = useAsync(
    () => get<{ decisions?: GradeDecision[] }>(`/v1/${round.name}/decisions`, { pageSize: 1000 }).then((r) => r.decisions ?? []),
    [round.name, round.etag, round.state],
  );
  // After approval the roster applies the changes within seconds: follow them.
  useFollow(list.status === 'ok' && list.data.some(inFlight), list.reload, 1500);
  const toggleId = useId('moves');
  return (
    <Async state={list}>
      {(ds) => {
        const rows = onlyMoves ? ds.filter((d) => d.kind !== 'KIND_MAINTAIN' && d.kind !== 'KIND_SKIP' && d.kind !== 'KIND_GRACE') : ds;
        if (ds.length === 0) return <p class="muted">{t('dec.noDecisions')}</p>;
        return (
          <div class="plan-detail">
            <label class="check" for={toggleId}>
              <input id={toggleId} type="checkbox" checked={onlyMoves} onChange={(e) => setOnlyMoves(e.currentTarget.checked)} /> {t('dec.onlyMoves')}
            </label>
            <div class="table-wrap">
              <table class="data decisions">
                <thead>
                  <tr>
                    <th scope="col">{t('common.manager')}</th>
                    <th scope="col">{t('dec.kind')}</th>
                    <th scope="col">{t('dec.fromTo')}</th>
                    <th scope="col">{t('dec.score')}</th>
                    <th scope="col">{t('dec.delivery')}</th>
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {rows.map((d) => (
                    <Fragment key={d.name}>
                      <tr data-manager={d.manager}>
                        <th scope="row">
                          {names.get(idOf(d.manager)) ?? ''} <span class="muted">{idOf(d.manager)}</span>
                        </th>
                        <td>
                          <Badge kind={kindBadge(d.kind)}>{label('dec.kind.', d.kind)}</Badge>
                          {d.exceptional && <Badge kind="warn">{t('dec.exceptional')}</Badge>}
                        </td>
                        <td>
                          {d.from?.displayName || d.from?.level || '—'}
                          {d.to && (d.to.level !== d.from?.level || d.to.band !== d.from?.band) ? <> → <strong>{d.to.displayName || d.to.level}</strong></> : null}
                        </td>
                        <td>{d.score ?? '—'}</td>
                        <td>
                          {label('delivery.', d.delivery)}
                          {d.deliveryError && <div class="warn-text small-text">{d.deliveryError}</div>}
                        </td>
                        <td>
                          <button type="button" class="secondary small" aria-expanded={shown === d.name} onClick={() => setShown(shown === d.name ? '' : d.name)}>
                            {shown === d.name ? t('common.close') : t('dec.why')}
                          </button>
                        </td>
                      </tr>
                      {shown === d.name && (
                        <tr class="explain">
                          <td colSpan={6}>
                            <Explanation d={d} />
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        );
      }}
    </Async>
  );
}

function kindBadge(kind: string | undefined): string {
  if (kind === 'KIND_PROMOTE') return 'ok';
  if (kind === 'KIND_DEMOTE' || kind === 'KIND_QUOTA_DEMOTE' || kind === 'KIND_TERMINATE') return 'bad';
  if (kind === 'KIND_GRACE') return 'warn';
  return '';
}

/** Explanation shows a decision's reasons in the order the rules applied, and every requirement checked. */
function Explanation({ d }: { d: GradeDecision }) {
  return (
    <div class="decision-why">
      <ol class="reasons">
        {(d.reasons ?? []).map((r, i) => (
          <li key={i}>{r}</li>
        ))}
      </ol>
      {(d.promotions ?? []).map((p, i) => (
        <Checks key={i} title={t('dec.promotionTo', { grade: p.target?.displayName || p.target?.level || '' })} met={p.met} checks={p.checks ?? []} />
      ))}
      {(d.maintenance ?? []).length > 0 && <Checks title={t('dec.maintenance', { grade: d.from?.displayName || '' })} met={(d.maintenance ?? []).every((c) => c.met)} checks={d.maintenance ?? []} />}
      {d.quota && (
        <p class="small-text">
          {t('dec.quota', {
            level: d.quota.level ?? '',
            share: d.quota.share ?? '',
            limit: d.quota.limit ?? 0,
            holding: d.quota.holding ?? 0,
            rank: d.quota.rank ?? 0,
            ranked: d.quota.ranked ?? 0,
          })}
        </p>
      )}
      {d.approvalRef && <p class="small-text">{t('dec.approvalRef', { ref: d.approvalRef })}</p>}
    </div>
  );
}

function Checks({ title, met, checks }: { title: string; met?: boolean; checks: RequirementCheck[] }) {
  return (
    <>
      <h4>
        {title} <Badge kind={met ? 'ok' : 'bad'}>{met ? t('dec.met') : t('dec.notMet')}</Badge>
      </h4>
      <table class="data checks">
        <tbody>
          {checks.map((c, i) => (
            <tr key={i} class={c.met ? '' : 'warn-row'}>
              <td aria-label={c.met ? t('dec.met') : t('dec.notMet')}>{c.met ? '✓' : '✗'}</td>
              <td>{c.requirement}</td>
              <td>{c.value || <span class="muted">{t('dec.noValue')}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
