// Team indicators (团队指标): per manager, the visit indicators the assessment
// service reads — plan completion, on-time visits, coverage of due customers,
// 24-hour responses — for a month, quarter or year.

import { useState } from 'preact/hooks';
import { get } from '../api';
import { thisMonth } from '../dates';
import { t } from '../i18n';
import type { PageProps } from '../sections';
import type { ManagerIndicators, Rate } from '../types';
import { Async, Page, idOf, percent, useAsync, useId } from '../ui';
import { useTeam } from './team';

export function SupIndicators(_: PageProps) {
  const team = useTeam();
  const [input, setInput] = useState(thisMonth());
  const [period, setPeriod] = useState(thisMonth());
  const id = useId('period');
  const list = useAsync(
    () => get<{ indicators?: ManagerIndicators[] }>('/v1/managers/-/indicators', { period, pageSize: 500 }).then((r) => r.indicators ?? []),
    [period],
  );
  return (
    <Page title={t('page.supIndicators')}>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setPeriod(input.trim());
        }}
      >
        <label for={id}>{t('ind.period')}</label>
        <input id={id} value={input} onInput={(e) => setInput(e.currentTarget.value)} />
        <button type="submit">{t('ind.show')}</button>
      </form>
      <Async state={list}>
        {(rows) =>
          rows.length === 0 ? (
            <p class="card">{t('ind.none')}</p>
          ) : (
            <div class="card table-wrap">
              <table class="data indicators">
                <thead>
                  <tr>
                    <th scope="col">{t('common.manager')}</th>
                    <th scope="col">{t('ind.planCompletion')}</th>
                    <th scope="col">{t('ind.onTime')}</th>
                    <th scope="col">{t('ind.coverage')}</th>
                    <th scope="col">{t('ind.response')}</th>
                    <th scope="col">{t('ind.visits')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.manager}>
                      <th scope="row">{team.names.get(idOf(r.manager)) ?? idOf(r.manager)}</th>
                      <td><RateBar rate={r.planCompletion} /></td>
                      <td><RateBar rate={r.onTimeVisits} /></td>
                      <td><RateBar rate={r.dueCoverage} /></td>
                      <td><RateBar rate={r.response24h} /></td>
                      <td>{r.visits ?? 0}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Async>
    </Page>
  );
}

function RateBar({ rate }: { rate?: Rate }) {
  if (!rate || !rate.denominator) return <span class="muted">—</span>;
  const pct = Math.max(0, Math.min(100, Number(rate.value ?? 0) * 100));
  return (
    <span class="rate">
      <span class="rate-bar" aria-hidden="true">
        <span style={{ width: `${pct}%` }} />
      </span>
      {percent(rate.value)} <span class="muted">({rate.numerator ?? 0}/{rate.denominator})</span>
    </span>
  );
}
