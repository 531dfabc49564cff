// Early demotions (提前降级与解聘): outside the assessment cycle, a supervisor
// proposes demoting a manager of the team one step, or dismissing them, for
// misconduct; a branch head approves it in the approvals inbox (never the
// proposer). An approved demotion goes to the roster on its effective day (the
// first of next month unless another day is given); a dismissal is recorded
// for HR, who ends the employment in the roster.

import { useState } from 'preact/hooks';
import { get, post, requestId } from '../api';
import { formatTime, fromCivil, isDate, toCivil } from '../dates';
import { label, t } from '../i18n';
import type { PageProps } from '../sections';
import type { EarlyDemotion } from '../types';
import { ActionResult, Async, Badge, ManagerSelect, Page, idOf, useAction, useAsync, useFollow, useId } from '../ui';
import { useTeam } from './team';

const stateKind: Record<string, string> = { STATE_PROPOSED: 'warn', STATE_APPROVED: 'ok', STATE_REJECTED: 'bad', STATE_WITHDRAWN: '' };

export function EarlyDemotions({ session }: PageProps) {
  const team = useTeam();
  const list = useAsync(
    () => get<{ earlyDemotions?: EarlyDemotion[] }>('/v1/earlyDemotions', { pageSize: 200 }).then((r) => r.earlyDemotions ?? []),
    [],
  );
  // After approval the roster applies a demotion within seconds: follow it.
  useFollow(list.status === 'ok' && list.data.some((d) => d.delivery === 'DELIVERY_PENDING'), list.reload, 1500);
  const canPropose = session.roles.includes('supervisor') || session.roles.includes('branch_head');
  const canApprove = session.roles.includes('branch_head');
  const members = team.managers.filter((m) => idOf(m.name) !== session.user);
  return (
    <Page title={t('page.earlyDemotions')}>
      <p class="muted">{t('demo.intro')}</p>
      {canPropose && (
        <Async state={team.state}>
          {() => <Propose managers={members.map((m) => [idOf(m.name), m.displayName ?? idOf(m.name)])} onProposed={list.reload} />}
        </Async>
      )}
      <Async state={list}>
        {(ds) =>
          ds.length === 0 ? (
            <p class="card">{t('demo.none')}</p>
          ) : (
            <div class="card table-wrap">
              <table class="data early-demotions">
                <thead>
                  <tr>
                    <th scope="col">{t('common.manager')}</th>
                    <th scope="col">{t('demo.kind')}</th>
                    <th scope="col">{t('dec.fromTo')}</th>
                    <th scope="col">{t('dec.effective')}</th>
                    <th scope="col">{t('demo.reason')}</th>
                    <th scope="col">{t('common.state')}</th>
                    <th scope="col">{t('dec.delivery')}</th>
                  </tr>
                </thead>
                <tbody>
                  {ds.map((d) => {
                    const id = idOf(d.manager);
                    return (
                      <tr key={d.name} data-demotion={d.name} data-manager={d.manager}>
                        <th scope="row">
                          {team.names.get(id) ?? id} <span class="muted">{id}</span>
                        </th>
                        <td>{label('demo.kind.', d.kind)}</td>
                        <td>
                          {d.from?.displayName ?? d.from?.level ?? '—'}
                          {d.to ? ` → ${d.to.displayName ?? d.to.level}` : ''}
                        </td>
                        <td>{fromCivil(d.effectiveDate)}</td>
                        <td class="small-text">
                          {d.reason}
                          <div class="muted">{t('demo.proposed', { who: d.proposedBy ?? '', time: formatTime(d.createTime) })}</div>
                        </td>
                        <td>
                          <Badge kind={stateKind[d.state ?? '']}>{label('demo.state.', d.state)}</Badge>
                          {d.decidedBy && <div class="muted small-text">{d.decidedBy}</div>}
                          {d.state === 'STATE_PROPOSED' && canApprove && d.proposedBy !== session.user && (
                            <div>
                              <a href="#/approvals">{t('demo.toApprovals')}</a>
                            </div>
                          )}
                        </td>
                        <td>
                          {label('delivery.', d.delivery)}
                          {d.deliveryError && <div class="bad small-text">{d.deliveryError}</div>}
                          {d.appliedTime && <div class="muted small-text">{formatTime(d.appliedTime)}</div>}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        }
      </Async>
    </Page>
  );
}

function Propose({ managers, onProposed }: { managers: [string, string][]; onProposed: () => Promise<void> }) {
  const [manager, setManager] = useState(managers[0]?.[0] ?? '');
  const [kind, setKind] = useState('KIND_DEMOTION');
  const [effective, setEffective] = useState('');
  const [reason, setReason] = useState('');
  const action = useAction();
  const ids = { manager: useId('mgr'), kind: useId('kind'), effective: useId('eff'), reason: useId('reason'), hint: useId('hint') };
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const body: Partial<EarlyDemotion> = { manager: `managers/${manager}`, kind, reason: reason.trim() };
      if (isDate(effective)) body.effectiveDate = toCivil(effective);
      const d = await post<EarlyDemotion>('/v1/earlyDemotions', body, { requestId: requestId() });
      setReason('');
      await onProposed();
      return t('demo.done', { who: managers.find((m) => m[0] === manager)?.[1] ?? manager, date: fromCivil(d.effectiveDate) });
    });
  };
  return (
    <form class="card form propose-demotion" onSubmit={submit}>
      <h2>{t('demo.new')}</h2>
      <div class="row">
        <div>
          <label for={ids.manager}>{t('common.manager')}</label>
          <ManagerSelect id={ids.manager} managers={managers} value={manager} onChange={setManager} />
        </div>
        <div>
          <label for={ids.kind}>{t('demo.kind')}</label>
          <select id={ids.kind} value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="KIND_DEMOTION">{label('demo.kind.', 'KIND_DEMOTION')}</option>
            <option value="KIND_DISMISSAL">{label('demo.kind.', 'KIND_DISMISSAL')}</option>
          </select>
        </div>
        <div>
          <label for={ids.effective}>
            {t('dec.effective')}
            <span class="muted">{t('common.optional')}</span>
          </label>
          <input id={ids.effective} type="date" value={effective} aria-describedby={ids.hint} onChange={(e) => setEffective(e.currentTarget.value)} />
        </div>
      </div>
      <p id={ids.hint} class="muted small-text">
        {t('demo.effectiveHint')}
      </p>
      <label for={ids.reason}>{t('demo.reason')}</label>
      <textarea id={ids.reason} rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <div>
        <button type="submit" class="danger" disabled={action.busy || !manager}>
          {t('demo.propose')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}
