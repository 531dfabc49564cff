// Assessment runs (考评批次): monthly runs for an org subtree — start one, read its
// score cards, and prepare closing it, which another person approves (maker–
// checker) under 待审批事项.

import { useState } from 'preact/hooks';
import { get, post, requestId } from '../api';
import { formatTime, isMonth, thisMonth } from '../dates';
import { label, t } from '../i18n';
import type { PageProps } from '../sections';
import type { Run, ScoreCard } from '../types';
import { ActionResult, Async, Badge, Page, idOf, useAction, useAsync, useId } from '../ui';
import { ScoreCardView } from './cm-scores';
import { useOrgUnits } from './orgunits';
import { useTeam } from './team';

export function AssessRuns(_: PageProps) {
  const units = useOrgUnits();
  const people = useTeam();
  const runs = useAsync(() => get<{ runs?: Run[] }>('/v1/runs', { pageSize: 100 }).then((r) => r.runs ?? []), []);
  return (
    <Page title={t('page.assessRuns')}>
      <StartRun units={units.units.map((u) => [u.name, u.displayName ?? u.name])} onStarted={runs.reload} />
      <Async state={runs}>
        {(rs) =>
          rs.length === 0 ? (
            <p class="card">{t('run.none')}</p>
          ) : (
            <ul class="plans">
              {rs.map((r) => (
                <RunCard
                  key={r.name}
                  run={r}
                  unit={units.names.get(r.orgUnit ?? '') ?? idOf(r.orgUnit)}
                  names={people.names}
                  onChanged={runs.reload}
                />
              ))}
            </ul>
          )
        }
      </Async>
    </Page>
  );
}

function StartRun({ units, onStarted }: { units: [string, string][]; onStarted: () => void }) {
  const [unit, setUnit] = useState('');
  const [period, setPeriod] = useState(thisMonth());
  const action = useAction();
  const ids = { unit: useId('unit'), period: useId('period') };
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const r = await post<Run>('/v1/runs', { orgUnit: unit || units[0]?.[0], period }, { requestId: requestId() });
      onStarted();
      return t('run.started', { name: idOf(r.name), n: r.scoreCards ?? 0 });
    });
  };
  return (
    <form class="card form" onSubmit={submit}>
      <h2>{t('run.start')}</h2>
      <div class="toolbar">
        <label for={ids.unit}>{t('common.orgUnit')}</label>
        <select id={ids.unit} value={unit || units[0]?.[0]} onChange={(e) => setUnit(e.currentTarget.value)}>
          {units.map(([name, display]) => (
            <option key={name} value={name}>
              {display}
            </option>
          ))}
        </select>
        <label for={ids.period}>{t('common.month')}</label>
        <input id={ids.period} type="month" value={period} onChange={(e) => isMonth(e.currentTarget.value) && setPeriod(e.currentTarget.value)} />
        <button type="submit" disabled={action.busy}>
          {t('run.startButton')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}

function RunCard({ run, unit, names, onChanged }: { run: Run; unit: string; names: Map<string, string>; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction();
  const reasonId = useId('reason');
  const close = () =>
    action.run(async () => {
      await post(`/v1/${run.name}:close`, { etag: run.etag, reason, requestId: requestId() });
      onChanged();
      return t('run.closePrepared');
    });
  const kind = run.state === 'STATE_CLOSED' ? 'ok' : run.state === 'STATE_CLOSING' ? 'warn' : '';
  return (
    <li class="card run-card" data-run={run.name}>
      <div class="plan-summary">
        <strong>{run.period}</strong>
        <span>{unit}</span>
        <Badge kind={kind}>{label('run.state.', run.state)}</Badge>
        <span class="muted">{t('run.cards', { n: run.scoreCards ?? 0, incomplete: run.incomplete ?? 0 })}</span>
        <span class="muted small-text">{formatTime(run.computeTime)}</span>
        <button type="button" class="secondary small" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? t('common.close') : t('common.open')}
        </button>
      </div>
      {open && <RunCards run={run.name} names={names} />}
      {run.state === 'STATE_OPEN' && (
        <div class="form">
          <label for={reasonId}>
            {t('run.closeReason')}
            <span class="muted">{t('common.optional')}</span>
          </label>
          <input id={reasonId} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <button type="button" onClick={close} disabled={action.busy}>
            {t('run.close')}
          </button>
        </div>
      )}
      <ActionResult action={action} />
    </li>
  );
}

function RunCards({ run, names }: { run: string; names: Map<string, string> }) {
  const [shown, setShown] = useState('');
  const cards = useAsync(() => get<{ scoreCards?: ScoreCard[] }>(`/v1/${run}/scoreCards`, { pageSize: 1000 }).then((r) => r.scoreCards ?? []), [run]);
  return (
    <Async state={cards}>
      {(cs) => (
        <>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t('common.manager')}</th>
                <th scope="col">{t('score.total')}</th>
                <th scope="col">{t('score.coefficient')}</th>
                <th scope="col">{t('score.pending')}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {cs.map((c) => (
                <tr key={c.name}>
                  <td>
                    {names.get(idOf(c.manager)) ?? ''} <span class="muted">{idOf(c.manager)}</span>
                  </td>
                  <td>{c.total}</td>
                  <td>{c.coefficient}</td>
                  <td>{c.complete ? '—' : (c.pending ?? []).map((x) => c.lines?.find((l) => idOf(l.indicator) === idOf(x))?.displayName || idOf(x)).join('、')}</td>
                  <td>
                    <button type="button" class="secondary small" onClick={() => setShown(shown === c.name ? '' : c.name)}>
                      {shown === c.name ? t('common.close') : t('common.open')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown && cs.find((c) => c.name === shown) && <ScoreCardView card={cs.find((c) => c.name === shown) as ScoreCard} />}
        </>
      )}
    </Async>
  );
}
