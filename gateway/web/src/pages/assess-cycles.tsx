// Quarterly and annual assessments (季度与年度考核), built on the closed monthly
// runs: a quarter scores each manager by the mean of its closed months (a
// pre-assessment while some are still open); a year combines the monthly mean
// with the annual summary, and promotion candidates get the additional
// assessment (self-evaluation and the committee's rating). HR and the
// committee enter those here; grade decisions read the results.

import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, requestId } from '../api';
import { formatTime, thisMonth } from '../dates';
import { label, t } from '../i18n';
import type { PageProps } from '../sections';
import type { Assessment, AssessmentResult } from '../types';
import { ActionResult, Async, Badge, Page, idOf, useAction, useAsync, useId } from '../ui';
import { useOrgUnits } from './orgunits';
import { useTeam } from './team';

const inputWriters = ['hr_officer', 'committee'];

export function AssessCycles({ session }: PageProps) {
  const units = useOrgUnits();
  const team = useTeam();
  const list = useAsync(() => get<{ assessments?: Assessment[] }>('/v1/assessments', { pageSize: 100 }).then((r) => r.assessments ?? []), []);
  const canEnter = session.roles.some((r) => inputWriters.includes(r));
  return (
    <Page title={t('page.assessCycles')}>
      <p class="muted">{t('cyc.intro')}</p>
      <StartAssessment units={units.units.map((u) => [u.name, u.displayName ?? u.name])} onStarted={list.reload} />
      <Async state={list}>
        {(as) =>
          as.length === 0 ? (
            <p class="card">{t('cyc.none')}</p>
          ) : (
            <ul class="plans">
              {as.map((a) => (
                <AssessmentCard
                  key={a.name}
                  a={a}
                  unit={units.names.get(a.orgUnit ?? '') ?? idOf(a.orgUnit)}
                  names={team.names}
                  canEnter={canEnter}
                  onChanged={list.reload}
                />
              ))}
            </ul>
          )
        }
      </Async>
    </Page>
  );
}

function StartAssessment({ units, onStarted }: { units: [string, string][]; onStarted: () => void }) {
  const [unit, setUnit] = useState('');
  const [period, setPeriod] = useState(thisMonth().slice(0, 4));
  const action = useAction();
  const ids = { unit: useId('unit'), period: useId('period'), hint: useId('hint') };
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const a = await post<Assessment>('/v1/assessments', { orgUnit: unit || units[0]?.[0], period: period.trim() }, { requestId: requestId() });
      onStarted();
      return t('cyc.started', { name: idOf(a.name), n: a.results ?? 0 });
    });
  };
  return (
    <form class="card form" onSubmit={submit}>
      <h2>{t('cyc.start')}</h2>
      <div class="toolbar">
        <label for={ids.unit}>{t('common.orgUnit')}</label>
        <select id={ids.unit} value={unit || units[0]?.[0]} onChange={(e) => setUnit(e.currentTarget.value)}>
          {units.map(([name, display]) => (
            <option key={name} value={name}>
              {display}
            </option>
          ))}
        </select>
        <label for={ids.period}>{t('dec.period')}</label>
        <input id={ids.period} size={9} value={period} aria-describedby={ids.hint} onInput={(e) => setPeriod(e.currentTarget.value)} />
        <button type="submit" disabled={action.busy}>
          {t('cyc.startButton')}
        </button>
      </div>
      <p id={ids.hint} class="muted small-text">
        {t('cyc.periodHint')}
      </p>
      <ActionResult action={action} />
    </form>
  );
}

function AssessmentCard({ a, unit, names, canEnter, onChanged }: { a: Assessment; unit: string; names: Map<string, string>; canEnter: boolean; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const action = useAction();
  const recompute = () =>
    action.run(async () => {
      await post(`/v1/${a.name}:recompute`, { etag: a.etag, requestId: requestId() });
      onChanged();
      return t('cyc.recomputed');
    });
  return (
    <li class="card run-card assessment-card" data-assessment={a.name}>
      <div class="plan-summary">
        <strong>{a.period}</strong>
        <span>{unit}</span>
        <Badge>{label('cyc.kind.', a.kind)}</Badge>
        <span class="muted">{t('cyc.counts', { n: a.results ?? 0, incomplete: a.incomplete ?? 0 })}</span>
        <span class="muted small-text">{formatTime(a.computeTime)}</span>
        <button type="button" class="secondary small" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? t('common.close') : t('common.open')}
        </button>
        <button type="button" class="secondary small" onClick={recompute} disabled={action.busy}>
          {t('cyc.recompute')}
        </button>
      </div>
      {(a.skipped ?? []).length > 0 && (
        <details>
          <summary>{t('dec.skipped', { n: a.skipped?.length ?? 0 })}</summary>
          <ul class="plain small-text">
            {(a.skipped ?? []).map((s) => (
              <li key={s.manager}>
                {names.get(idOf(s.manager)) ?? ''} {idOf(s.manager)}：{s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      <ActionResult action={action} />
      {open && <Results a={a} names={names} canEnter={canEnter && a.kind === 'KIND_ANNUAL'} onChanged={onChanged} />}
    </li>
  );
}

type Inputs = Record<string, { annualSummary?: string; selfEvaluation?: string; committeeRating?: string }>;

function Results({ a, names, canEnter, onChanged }: { a: Assessment; names: Map<string, string>; canEnter: boolean; onChanged: () => void }) {
  const list = useAsync(() => get<{ results?: AssessmentResult[] }>(`/v1/${a.name}/results`, { pageSize: 1000 }).then((r) => r.results ?? []), [a.name]);
  // Recomputed (here or elsewhere): refresh the results, keeping them on screen meanwhile.
  const computed = useRef(a.computeTime);
  useEffect(() => {
    if (computed.current !== a.computeTime) list.reload();
    computed.current = a.computeTime;
  }, [a.computeTime]);
  const [inputs, setInputs] = useState<Inputs>({});
  const action = useAction();
  const annual = a.kind === 'KIND_ANNUAL';
  const set = (manager: string, field: 'annualSummary' | 'selfEvaluation' | 'committeeRating', value: string) =>
    setInputs((x) => ({ ...x, [manager]: { ...x[manager], [field]: value } }));
  const entered = Object.entries(inputs)
    .map(([manager, v]) => ({
      manager,
      annualSummary: v.annualSummary?.trim() || undefined,
      selfEvaluation: v.selfEvaluation?.trim() || undefined,
      committeeRating: v.committeeRating?.trim() || undefined,
    }))
    .filter((x) => x.annualSummary || x.selfEvaluation || x.committeeRating);
  const save = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const r = await post<{ results?: AssessmentResult[] }>(`/v1/${a.name}/inputs:set`, { inputs: entered, requestId: requestId() });
      await list.reload();
      setInputs({});
      onChanged();
      return t('cyc.saved', { n: r.results?.length ?? 0 });
    });
  };
  const field = (r: AssessmentResult, f: 'annualSummary' | 'selfEvaluation' | 'committeeRating', title: string) =>
    canEnter ? (
      <input
        class="rating-input"
        inputMode="decimal"
        aria-label={`${names.get(idOf(r.manager)) ?? idOf(r.manager)} ${title}`}
        value={inputs[r.manager ?? '']?.[f] ?? r[f] ?? ''}
        onInput={(e) => set(r.manager ?? '', f, e.currentTarget.value)}
      />
    ) : (
      r[f] || '—'
    );
  return (
    <Async state={list}>
      {(rs) => (
        <form class="form plan-detail" onSubmit={save}>
          <div class="table-wrap">
            <table class="data results">
              <thead>
                <tr>
                  <th scope="col">{t('common.manager')}</th>
                  <th scope="col">{t('cyc.monthly')}</th>
                  {annual && <th scope="col">{t('cyc.annualSummary')}</th>}
                  {annual && <th scope="col">{t('cyc.selfEvaluation')}</th>}
                  {annual && <th scope="col">{t('cyc.committeeRating')}</th>}
                  <th scope="col">{t('cyc.score')}</th>
                  <th scope="col">{t('score.why')}</th>
                </tr>
              </thead>
              <tbody>
                {rs.map((r) => (
                  <tr key={r.name} data-manager={r.manager} class={r.complete ? '' : 'warn-row'}>
                    <th scope="row">
                      {names.get(idOf(r.manager)) ?? ''} <span class="muted">{idOf(r.manager)}</span>
                    </th>
                    <td class="small-text">{(r.monthly ?? []).map((m) => `${m.period}: ${m.total}`).join('、') || '—'}</td>
                    {annual && <td>{field(r, 'annualSummary', t('cyc.annualSummary'))}</td>}
                    {annual && <td>{field(r, 'selfEvaluation', t('cyc.selfEvaluation'))}</td>}
                    {annual && <td>{field(r, 'committeeRating', t('cyc.committeeRating'))}</td>}
                    <td>
                      <strong>{r.score || '—'}</strong>
                      {r.preAssessment && <Badge kind="warn">{t('cyc.pre')}</Badge>}
                      {r.additionalScore && (
                        <div class="small-text">
                          {t('cyc.additional')} {r.additionalScore}
                        </div>
                      )}
                    </td>
                    <td class="small-text">
                      {r.detail || (annual ? t('cyc.awaitingSummary') : '—')}
                      {r.additionalDetail && <div class="muted">{r.additionalDetail}</div>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {canEnter && (
            <>
              <p class="muted small-text">{t('cyc.inputsHint')}</p>
              <button type="submit" disabled={action.busy || entered.length === 0}>
                {t('cyc.save')}
              </button>
            </>
          )}
          <ActionResult action={action} />
        </form>
      )}
    </Async>
  );
}
