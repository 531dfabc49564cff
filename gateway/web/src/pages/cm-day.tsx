// A day's route (今日路线): the day's visits in route order with their addresses,
// no map; each stop opens the check-in and visit form. The day's list downloads
// as a spreadsheet or a printable page.

import { download, get, isNotFound } from '../api';
import { isDate, today } from '../dates';
import { label, t } from '../i18n';
import { href, navigate } from '../router';
import type { PageProps } from '../sections';
import type { DayList } from '../types';
import { ActionResult, Async, Page, useAction, useAsync, useId } from '../ui';
import { stateBadge } from './cm-month';

export function CmDay({ session, route }: PageProps) {
  const d = route.params.get('d') ?? '';
  const day = isDate(d) ? d : today();
  const id = useId('day');
  const name = `managers/${session.user}/days/${day}`;
  const list = useAsync(() => get<DayList>(`/v1/${name}`).catch((e) => (isNotFound(e) ? null : Promise.reject(e))), [name]);
  const action = useAction();
  const exportAs = (format: string, ext: string) =>
    action.run(() => download(`/v1/${name}:export`, { format }, `visits-${session.user}-${day}.${ext}`));
  return (
    <Page title={t('page.cmDay')}>
      <div class="toolbar">
        <label for={id}>{t('day.date')}</label>
        <input id={id} type="date" value={day} onChange={(e) => isDate(e.currentTarget.value) && navigate('/cm/day', { d: e.currentTarget.value })} />
        <span class="spacer" />
        <span class="muted">{t('day.export')}:</span>
        <button type="button" class="secondary small" onClick={() => exportAs('FORMAT_XLSX', 'xlsx')} disabled={action.busy}>
          XLSX
        </button>
        <button type="button" class="secondary small" onClick={() => exportAs('FORMAT_CSV', 'csv')} disabled={action.busy}>
          CSV
        </button>
        <button type="button" class="secondary small" onClick={() => exportAs('FORMAT_HTML', 'html')} disabled={action.busy}>
          {t('day.print')}
        </button>
      </div>
      <ActionResult action={action} />
      <Async state={list}>{(l) => <Route list={l} day={day} />}</Async>
    </Page>
  );
}

function Route({ list, day }: { list: DayList | null; day: string }) {
  const stops = list?.stops ?? [];
  return (
    <div class="card">
      <h2>
        {day} {list?.dayNote ? <span class="muted">· {list.dayNote}</span> : null} {list?.planState ? stateBadge(list.planState) : null}
      </h2>
      {list?.startAddress && <p class="muted">{t('day.start', { address: list.startAddress })}</p>}
      {stops.length === 0 ? (
        <p>{t('day.none')}</p>
      ) : (
        <>
          <h3 class="sr-only">{t('day.route')}</h3>
          <ol class="route">
            {stops.map((s, i) => (
              <li key={s.planItem ?? i} class={s.status === 'STATUS_DONE' ? 'done' : ''}>
                <span class="stop-order" aria-hidden="true">
                  {s.routeOrder || i + 1}
                </span>
                <div class="stop-body">
                  <strong class="stop-name">{s.customerDisplayName || s.customer || label('kind.', s.kind)}</strong>{' '}
                  <span class="muted">
                    {label('slot.', s.slot)} · {label('method.', s.method)} · {label('status.', s.status)}
                  </span>
                  {s.address && <div class="stop-address">{s.address}</div>}
                  {(s.actions ?? []).length > 0 && <div class="muted">{(s.actions ?? []).join('；')}</div>}
                </div>
                {s.kind !== 'KIND_TASK' && s.status !== 'STATUS_DONE' && s.customer && day <= today() && (
                  <a class="button small" href={href('/cm/visit', { customer: s.customer, date: day })}>
                    {t('day.checkIn')}
                  </a>
                )}
              </li>
            ))}
          </ol>
          {list?.routeLengthMeters ? <p class="muted">{t('day.length', { km: (list.routeLengthMeters / 1000).toFixed(1) })}</p> : null}
        </>
      )}
    </div>
  );
}
