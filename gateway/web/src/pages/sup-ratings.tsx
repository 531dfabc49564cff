// Ratings (考评评分): a supervisor's (or branch head's) ratings of the manual
// indicators (professional ethics, basic management work, …) of the team's
// score cards in an open monthly run. A run closes only when every card is
// rated; nobody rates themselves (their own superior does).

import { useState } from 'preact/hooks';
import { get, post, requestId } from '../api';
import { label, t } from '../i18n';
import type { PageProps } from '../sections';
import type { RatingsAnswer, Run, ScoreCard } from '../types';
import { ActionResult, Async, Badge, Page, idOf, useAction, useAsync, useId } from '../ui';
import { useOrgUnits } from './orgunits';
import { useTeam } from './team';

const manual = (source: string | undefined, status: string | undefined) => source === 'SOURCE_MANUAL' || status === 'LINE_STATUS_AWAITING_ENTRY';

export function SupRatings({ session }: PageProps) {
  const units = useOrgUnits();
  const team = useTeam();
  const runs = useAsync(
    () => get<{ runs?: Run[] }>('/v1/runs', { pageSize: 100 }).then((r) => (r.runs ?? []).filter((x) => x.state === 'STATE_OPEN')),
    [],
  );
  const [chosen, setChosen] = useState('');
  const id = useId('run');
  return (
    <Page title={t('page.supRatings')}>
      <p class="muted">{t('rate.intro')}</p>
      <Async state={runs}>
        {(rs) => {
          if (rs.length === 0) return <p class="card">{t('rate.noRuns')}</p>;
          const run = rs.find((r) => r.name === chosen) ?? rs[0];
          return (
            <>
              <div class="toolbar">
                <label for={id}>{t('rate.run')}</label>
                <select id={id} value={run.name} onChange={(e) => setChosen(e.currentTarget.value)}>
                  {rs.map((r) => (
                    <option key={r.name} value={r.name}>
                      {r.period} · {units.names.get(r.orgUnit ?? '') ?? idOf(r.orgUnit)}
                    </option>
                  ))}
                </select>
              </div>
              <RunRatings key={run.name} run={run} me={session.user} names={team.names} onSaved={runs.reload} />
            </>
          );
        }}
      </Async>
    </Page>
  );
}

interface Cell {
  manager: string;
  indicator: string;
  displayName: string;
  value: string;
  rule?: string;
  awaiting: boolean;
}

function RunRatings({ run, me, names, onSaved }: { run: Run; me: string; names: Map<string, string>; onSaved: () => Promise<void> }) {
  const cards = useAsync(() => get<{ scoreCards?: ScoreCard[] }>(`/v1/${run.name}/scoreCards`, { pageSize: 1000 }).then((r) => r.scoreCards ?? []), [run.name]);
  return (
    <Async state={cards}>
      {(cs) => (
        <RatingsForm
          run={run}
          me={me}
          names={names}
          cards={cs}
          onSaved={async () => {
            await Promise.all([cards.reload(), onSaved()]);
          }}
        />
      )}
    </Async>
  );
}

function RatingsForm({ run, me, names, cards, onSaved }: { run: Run; me: string; names: Map<string, string>; cards: ScoreCard[]; onSaved: () => Promise<void> }) {
  const cells: Cell[] = [];
  for (const c of cards) {
    for (const l of c.lines ?? []) {
      if (!manual(l.source, l.status) || !l.indicator || !c.manager) continue;
      cells.push({
        manager: c.manager,
        indicator: l.indicator,
        displayName: l.displayName || idOf(l.indicator),
        value: l.status === 'LINE_STATUS_AWAITING_ENTRY' ? '' : l.value ?? '',
        rule: l.rule,
        awaiting: l.status === 'LINE_STATUS_AWAITING_ENTRY',
      });
    }
  }
  const [values, setValues] = useState<Record<string, string>>({});
  const [comment, setComment] = useState('');
  const action = useAction();
  const commentId = useId('comment');
  const key = (c: Cell) => `${c.manager}|${c.indicator}`;
  const own = (c: Cell) => idOf(c.manager) === me;
  const changed = cells.filter((c) => !own(c) && values[key(c)] !== undefined && values[key(c)].trim() !== '' && values[key(c)].trim() !== c.value);
  const awaiting = cells.filter((c) => c.awaiting && !own(c)).length;
  const save = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const r = await post<RatingsAnswer>(`/v1/${run.name}/ratings:set`, {
        ratings: changed.map((c) => ({ manager: c.manager, indicator: c.indicator, value: values[key(c)].trim(), comment: comment || undefined })),
        requestId: requestId(),
      });
      await onSaved();
      setValues({});
      return t('rate.saved', { n: r.ratings ?? 0, incomplete: r.run?.incomplete ?? 0 });
    });
  };
  // One row per manager, one column per manual indicator.
  const indicators = [...new Map(cells.map((c) => [c.indicator, c.displayName])).entries()];
  const managers = [...new Set(cells.map((c) => c.manager))];
  if (cells.length === 0) return <p class="card">{t('rate.noManual')}</p>;
  return (
    <form class="card form ratings" onSubmit={save}>
      <div class="plan-summary">
        <Badge kind={run.incomplete ? 'warn' : 'ok'}>{t('run.cards', { n: run.scoreCards ?? 0, incomplete: run.incomplete ?? 0 })}</Badge>
        <span class="muted">{awaiting > 0 ? t('rate.awaiting', { n: awaiting }) : t('rate.allDone')}</span>
      </div>
      <div class="table-wrap">
        <table class="data rating-table">
          <thead>
            <tr>
              <th scope="col">{t('common.manager')}</th>
              {indicators.map(([code, name]) => (
                <th scope="col" key={code}>
                  {name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {managers.map((m) => {
              const who = names.get(idOf(m)) ?? idOf(m);
              return (
                <tr key={m} data-manager={m}>
                  <th scope="row">
                    {who} <span class="muted">{idOf(m)}</span>
                  </th>
                  {indicators.map(([code, name]) => {
                    const c = cells.find((x) => x.manager === m && x.indicator === code);
                    if (!c) return <td key={code} class="muted">—</td>;
                    if (own(c))
                      return (
                        <td key={code} class="muted small-text">
                          {c.value || t('rate.bySuperior')}
                        </td>
                      );
                    return (
                      <td key={code} class={c.awaiting ? 'warn-cell' : ''}>
                        <input
                          class="rating-input"
                          inputMode="decimal"
                          aria-label={`${who} ${name}`}
                          placeholder={c.awaiting ? t('rate.missing') : ''}
                          title={c.rule}
                          value={values[key(c)] ?? c.value}
                          onInput={(e) => setValues({ ...values, [key(c)]: e.currentTarget.value })}
                        />
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="muted small-text">{t('rate.scale')}</p>
      <label for={commentId}>
        {t('rate.comment')}
        <span class="muted">{t('common.optional')}</span>
      </label>
      <input id={commentId} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      <button type="submit" disabled={action.busy || changed.length === 0}>
        {t('rate.save', { n: changed.length })}
      </button>
      <ActionResult action={action} />
      <p class="muted small-text">{label('run.state.', run.state)} · {t('rate.then')}</p>
    </form>
  );
}
