// Grade distribution (等级分布): head count per level of a ladder, in the whole
// bank or one org subtree, against the ladder's target shares (quotas, e.g.
// 三级九档: 高级 10 %, 中级 60 %, 初级 30 %) — an SVG chart and the same figures as
// a table.

import { useState } from 'preact/hooks';
import { get } from '../api';
import { t } from '../i18n';
import type { PageProps } from '../sections';
import type { GradeDistribution, GradeLadder } from '../types';
import { Async, Page, idOf, percent, useAsync, useId } from '../ui';
import { useOrgUnits } from './orgunits';

export function HrGrades(_: PageProps) {
  const units = useOrgUnits();
  const ladders = useAsync(() => get<{ gradeLadders?: GradeLadder[] }>('/v1/gradeLadders').then((r) => r.gradeLadders ?? []), []);
  return (
    <Page title={t('page.hrGrades')}>
      <Async state={ladders}>
        {(ls) => <Distribution ladders={ls} units={units.units.map((u) => [u.name, u.displayName ?? u.name])} />}
      </Async>
    </Page>
  );
}

function Distribution({ ladders, units }: { ladders: GradeLadder[]; units: [string, string][] }) {
  const initial = ladders.find((l) => l.default) ?? ladders[0];
  const [ladder, setLadder] = useState(initial?.name ?? '');
  const [unit, setUnit] = useState('');
  const ids = { ladder: useId('ladder'), unit: useId('unit') };
  const dist = useAsync(
    () => (ladder ? get<GradeDistribution>(`/v1/${ladder}/distribution`, { orgUnit: unit }) : Promise.resolve({} as GradeDistribution)),
    [ladder, unit],
  );
  return (
    <>
      <div class="toolbar">
        <label for={ids.ladder}>{t('grades.ladder')}</label>
        <select id={ids.ladder} value={ladder} onChange={(e) => setLadder(e.currentTarget.value)}>
          {ladders.map((l) => (
            <option key={l.name} value={l.name}>
              {l.displayName ?? idOf(l.name)}
            </option>
          ))}
        </select>
        <label for={ids.unit}>{t('grades.scope')}</label>
        <select id={ids.unit} value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
          <option value="">{t('common.all')}</option>
          {units.map(([name, display]) => (
            <option key={name} value={name}>
              {display}
            </option>
          ))}
        </select>
      </div>
      <Async state={dist}>{(d) => <Chart dist={d} />}</Async>
    </>
  );
}

function Chart({ dist }: { dist: GradeDistribution }) {
  const levels = dist.levels ?? [];
  const titleId = useId('chart-title');
  const max = Math.max(1, ...levels.map((l) => Math.max(l.count ?? 0, l.targetShare ? l.targetCount ?? 0 : 0)));
  const row = 34;
  const left = 120;
  const width = 640;
  const barMax = width - left - 110;
  const height = levels.length * row + 30;
  const scale = (n: number) => (n / max) * barMax;
  return (
    <div class="card">
      <h2 id={titleId}>
        {t('grades.chart')} <span class="muted">{t('grades.total', { n: dist.total ?? 0 })}</span>
      </h2>
      <svg class="grade-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={titleId}>
        {levels.map((l, i) => {
          const y = i * row + 6;
          const count = l.count ?? 0;
          const quota = l.targetShare ? l.targetCount ?? 0 : null;
          const over = quota !== null && count > quota;
          return (
            <g key={l.level} class={over ? 'over' : ''}>
              <text x={left - 8} y={y + 17} text-anchor="end" class="chart-label">
                {l.displayName || l.level}
              </text>
              <rect x={left} y={y + 4} width={Math.max(count ? 2 : 0, scale(count))} height={18} rx={3} class="bar-actual" />
              {quota !== null && (
                <line x1={left + scale(quota)} x2={left + scale(quota)} y1={y} y2={y + 26} class="bar-quota" />
              )}
              <text x={left + Math.max(scale(count), quota !== null ? scale(quota) : 0) + 8} y={y + 17} class="chart-value">
                {count}
                {quota !== null ? ` / ${quota}` : ''}
              </text>
            </g>
          );
        })}
        <g class="legend" transform={`translate(${left}, ${levels.length * row + 14})`}>
          <rect x={0} y={-9} width={14} height={10} class="bar-actual" />
          <text x={20} y={0}>{t('grades.actual')}</text>
          {levels.some((l) => l.targetShare) && (
            <>
              <line x1={110} x2={110} y1={-11} y2={3} class="bar-quota" />
              <text x={118} y={0}>{t('grades.quota')}</text>
            </>
          )}
        </g>
      </svg>
      <div class="table-wrap">
        <table class="data">
          <thead>
            <tr>
              <th scope="col">{t('grades.level')}</th>
              <th scope="col">{t('grades.count')}</th>
              <th scope="col">{t('grades.share')}</th>
              <th scope="col">{t('grades.target')}</th>
              <th scope="col">{t('grades.targetCount')}</th>
            </tr>
          </thead>
          <tbody>
            {levels.map((l) => {
              const over = !!l.targetShare && (l.count ?? 0) > (l.targetCount ?? 0);
              return (
                <tr key={l.level} class={over ? 'bad' : ''}>
                  <th scope="row">{l.displayName || l.level}</th>
                  <td>{l.count ?? 0}</td>
                  <td>{percent(l.share)}</td>
                  <td>{l.targetShare ? percent(l.targetShare) : <span class="muted">{t('grades.noTarget')}</span>}</td>
                  <td>
                    {l.targetShare ? l.targetCount ?? 0 : '—'} {over && <span class="badge bad">{t('grades.over')}</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
