// Roster search (花名册): managers by name, org subtree, line and status, a page
// at a time; each opens the manager's record.

import { useState } from 'preact/hooks';
import { get } from '../api';
import { fromCivil } from '../dates';
import { label, t } from '../i18n';
import { href } from '../router';
import type { PageProps } from '../sections';
import type { Manager } from '../types';
import { Async, Page, idOf, useAsync, useId } from '../ui';
import { useOrgUnits } from './orgunits';

const LINES = ['LINE_RETAIL', 'LINE_CORPORATE', 'LINE_MICRO'];
const STATUSES = ['STATUS_CANDIDATE', 'STATUS_PROBATION', 'STATUS_EXTENDED_PROBATION', 'STATUS_CONFIRMED', 'STATUS_OBSERVATION', 'STATUS_EXITED'];

interface Query {
  name: string;
  orgUnit: string;
  line: string;
  status: string;
}

/** filterOf writes an AIP-160 filter; quotes in the name are escaped. */
function filterOf(q: Query): string {
  const parts: string[] = [];
  if (q.name.trim()) parts.push(`display_name : "${q.name.trim().replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  if (q.orgUnit) parts.push(`org_unit = "${q.orgUnit}"`);
  if (q.line) parts.push(`line = ${q.line}`);
  if (q.status) parts.push(`status = ${q.status}`);
  return parts.join(' AND ');
}

export function HrRoster(_: PageProps) {
  const units = useOrgUnits();
  const [form, setForm] = useState<Query>({ name: '', orgUnit: '', line: '', status: '' });
  const [query, setQuery] = useState<Query>(form);
  const [pages, setPages] = useState<string[]>(['']); // page tokens, the last is shown
  const token = pages[pages.length - 1];
  const ids = { name: useId('name'), unit: useId('unit'), line: useId('line'), status: useId('status') };
  const list = useAsync(
    () =>
      get<{ managers?: Manager[]; nextPageToken?: string; totalSize?: number }>('/v1/managers', {
        filter: filterOf(query),
        pageSize: 20,
        pageToken: token,
      }),
    [query, token],
  );
  const set = (k: keyof Query) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <Page title={t('page.hrRoster')}>
      <form
        class="card form search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ ...form });
          setPages(['']);
        }}
      >
        <div class="row">
          <div>
            <label for={ids.name}>{t('roster.name')}</label>
            <input id={ids.name} value={form.name} onInput={set('name')} />
          </div>
          <div>
            <label for={ids.unit}>{t('common.orgUnit')}</label>
            <select id={ids.unit} value={form.orgUnit} onChange={set('orgUnit')}>
              <option value="">{t('common.all')}</option>
              {units.units.map((u) => (
                <option key={u.name} value={u.name}>
                  {u.displayName}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for={ids.line}>{t('roster.line')}</label>
            <select id={ids.line} value={form.line} onChange={set('line')}>
              <option value="">{t('common.all')}</option>
              {LINES.map((l) => (
                <option key={l} value={l}>
                  {label('line.', l)}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for={ids.status}>{t('roster.status')}</label>
            <select id={ids.status} value={form.status} onChange={set('status')}>
              <option value="">{t('common.all')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {label('mstatus.', s)}
                </option>
              ))}
            </select>
          </div>
          <div class="align-end">
            <button type="submit">{t('common.search')}</button>
          </div>
        </div>
      </form>
      <Async state={list}>
        {(r) => {
          const ms = r.managers ?? [];
          return (
            <div class="card">
              <p class="muted">{t('common.total', { n: r.totalSize ?? ms.length })}</p>
              {ms.length === 0 ? (
                <p>{t('roster.none')}</p>
              ) : (
                <div class="table-wrap">
                  <table class="data">
                    <thead>
                      <tr>
                        <th scope="col">{t('roster.employeeNo')}</th>
                        <th scope="col">{t('roster.personName')}</th>
                        <th scope="col">{t('common.orgUnit')}</th>
                        <th scope="col">{t('roster.post')}</th>
                        <th scope="col">{t('roster.line')}</th>
                        <th scope="col">{t('roster.grade')}</th>
                        <th scope="col">{t('roster.status')}</th>
                        <th scope="col">{t('roster.hireDate')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {ms.map((m) => (
                        <tr key={m.name}>
                          <td>
                            <a href={href(`/hr/managers/${idOf(m.name)}`)}>{idOf(m.name)}</a>
                          </td>
                          <td>
                            <a href={href(`/hr/managers/${idOf(m.name)}`)}>{m.displayName}</a>
                          </td>
                          <td>{units.names.get(m.orgUnit ?? '') ?? idOf(m.orgUnit)}</td>
                          <td>{m.post || '—'}</td>
                          <td>{label('line.', m.line)}</td>
                          <td>{m.grade?.displayName || '—'}</td>
                          <td>{label('mstatus.', m.status)}</td>
                          <td>{fromCivil(m.hireDate)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <div class="buttons">
                {pages.length > 1 && (
                  <button type="button" class="secondary small" onClick={() => setPages([''])}>
                    {t('common.first')}
                  </button>
                )}
                {r.nextPageToken && (
                  <button type="button" class="secondary small" onClick={() => setPages([...pages, r.nextPageToken as string])}>
                    {t('common.next')}
                  </button>
                )}
              </div>
            </div>
          );
        }}
      </Async>
    </Page>
  );
}
