// A manager's record (客户经理档案): profile, qualifications, and the effective-
// dated history of postings (org unit, post, line), grades and status.

import { get } from '../api';
import { fromCivil } from '../dates';
import { label, t } from '../i18n';
import { href } from '../router';
import type { PageProps } from '../sections';
import type { HistoryEntry, Manager } from '../types';
import { Async, Page, idOf, useAsync } from '../ui';
import { useOrgUnits } from './orgunits';

export function HrManager({ params }: PageProps) {
  const id = params.id ?? '';
  const units = useOrgUnits();
  const data = useAsync(
    () => Promise.all([get<Manager>(`/v1/managers/${encodeURIComponent(id)}`), get<{ entries?: HistoryEntry[] }>(`/v1/managers/${encodeURIComponent(id)}/history`)]),
    [id],
  );
  const unit = (name?: string) => (name ? units.names.get(name) ?? idOf(name) : '—');
  return (
    <Page title={t('page.hrManager')} actions={<a class="button secondary small" href={href('/hr/roster')}>{t('common.back')}</a>}>
      <Async state={data}>
        {([m, h]) => (
          <>
            <div class="card">
              <h2>
                {m.displayName} <span class="muted">{idOf(m.name)}</span>
              </h2>
              <dl class="facts">
                <dt>{t('common.orgUnit')}</dt>
                <dd>{unit(m.orgUnit)}</dd>
                <dt>{t('roster.post')}</dt>
                <dd>{m.post || '—'}</dd>
                <dt>{t('roster.line')}</dt>
                <dd>{label('line.', m.line)}</dd>
                <dt>{t('roster.grade')}</dt>
                <dd>
                  {m.grade?.displayName || '—'} {m.grade?.effectiveDate && <span class="muted">({fromCivil(m.grade.effectiveDate)})</span>}
                </dd>
                <dt>{t('roster.status')}</dt>
                <dd>
                  {label('mstatus.', m.status)} {m.statusDate && <span class="muted">({fromCivil(m.statusDate)})</span>}
                </dd>
                <dt>{t('roster.hireDate')}</dt>
                <dd>{fromCivil(m.hireDate)}</dd>
                <dt>{t('mgr.supervisor')}</dt>
                <dd>{m.supervisor ? <a href={href(`/hr/managers/${idOf(m.supervisor)}`)}>{idOf(m.supervisor)}</a> : '—'}</dd>
              </dl>
              {(m.qualifications ?? []).length > 0 && (
                <>
                  <h3>{t('mgr.qualifications')}</h3>
                  <ul class="plain">
                    {(m.qualifications ?? []).map((q, i) => (
                      <li key={i}>
                        {label('qual.', q.kind)} {q.number} · {t('mgr.expiry')} {fromCivil(q.expiryDate) || '—'}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </div>
            <div class="card">
              <h2>{t('mgr.history')}</h2>
              <div class="table-wrap">
                <table class="data history">
                  <thead>
                    <tr>
                      <th scope="col">{t('mgr.effective')}</th>
                      <th scope="col">{t('mgr.change')}</th>
                      <th scope="col">{t('common.orgUnit')}</th>
                      <th scope="col">{t('roster.grade')}</th>
                      <th scope="col">{t('roster.status')}</th>
                      <th scope="col">{t('mgr.reason')}</th>
                      <th scope="col">{t('mgr.recordedBy')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {(h.entries ?? []).map((e, i) => (
                      <tr key={i} class={`hist-${(e.kind ?? '').toLowerCase()}`}>
                        <td>{fromCivil(e.effectiveDate)}</td>
                        <td>{label('hist.', e.kind)}</td>
                        <td>
                          {unit(e.orgUnit)}
                          {e.post ? <span class="muted"> · {e.post}</span> : null}
                          {e.line ? <span class="muted"> · {label('line.', e.line)}</span> : null}
                        </td>
                        <td>{e.grade?.displayName || '—'}</td>
                        <td>{e.status ? label('mstatus.', e.status) : '—'}</td>
                        <td>
                          {e.reason || '—'}
                          {e.reference && e.reference !== 'seed' ? <div class="muted small-text reference">{e.reference}</div> : null}
                        </td>
                        <td>{e.recordedBy || '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          </>
        )}
      </Async>
    </Page>
  );
}
