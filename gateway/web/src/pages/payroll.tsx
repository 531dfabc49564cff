// Payroll runs (薪酬发放): HR creates a run for a month and org subtree; it is
// computed in the background (progress shown), reviewed payslip by payslip with
// every line explained, submitted, approved by another person under 待审批事项
// (which locks it), and then exported: the salary register (XLSX) and the bank
// transfer file (CSV).

import { useState } from 'preact/hooks';
import { download, get, post, requestId } from '../api';
import { isMonth, thisMonth, formatTime } from '../dates';
import { label, t } from '../i18n';
import { formatMoney } from '../money';
import type { PageProps } from '../sections';
import type { PayrollRun, Payslip } from '../types';
import { ActionResult, Async, Badge, Page, idOf, useAction, useAsync, useFollow, useId } from '../ui';
import { useOrgUnits } from './orgunits';
import { PayslipView } from './payslip';

const running = (r: PayrollRun) => r.computation?.state === 'STATE_RUNNING';

export function Payroll(_: PageProps) {
  const units = useOrgUnits();
  const runs = useAsync(() => get<{ payrollRuns?: PayrollRun[] }>('/v1/payrollRuns', { pageSize: 100 }).then((r) => r.payrollRuns ?? []), []);
  // While a computation runs, follow its progress.
  useFollow(runs.status === 'ok' && runs.data.some(running), runs.reload, 1000);
  return (
    <Page title={t('page.payroll')}>
      <NewRun units={units.units.map((u) => [u.name, u.displayName ?? u.name])} onCreated={runs.reload} />
      <Async state={runs}>
        {(rs) =>
          rs.length === 0 ? (
            <p class="card">{t('pay.none')}</p>
          ) : (
            <ul class="plans">
              {rs
                .filter((r) => r.state !== 'STATE_DISCARDED')
                .map((r) => (
                  <RunCard key={r.name} run={r} unit={units.names.get(r.orgUnit ?? '') ?? idOf(r.orgUnit)} onChanged={runs.reload} />
                ))}
            </ul>
          )
        }
      </Async>
    </Page>
  );
}

function NewRun({ units, onCreated }: { units: [string, string][]; onCreated: () => void }) {
  const [unit, setUnit] = useState('');
  const [period, setPeriod] = useState(thisMonth());
  const action = useAction();
  const ids = { unit: useId('unit'), period: useId('period') };
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      await post<PayrollRun>('/v1/payrollRuns', { orgUnit: unit || units[0]?.[0], period }, { requestId: requestId() });
      onCreated();
      return t('pay.created');
    });
  };
  return (
    <form class="card form" onSubmit={submit}>
      <h2>{t('pay.new')}</h2>
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
          {t('pay.create')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}

function RunCard({ run, unit, onChanged }: { run: PayrollRun; unit: string; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const action = useAction();
  const stateKind = run.state === 'STATE_LOCKED' ? 'ok' : run.state === 'STATE_SUBMITTED' ? 'warn' : '';
  const act = (verb: 'compute' | 'submit') =>
    action.run(async () => {
      await post(`/v1/${run.name}:${verb}`, verb === 'submit' ? { etag: run.etag, requestId: requestId() } : { requestId: requestId() });
      onChanged();
      return t(verb === 'submit' ? 'pay.submitted' : 'pay.recomputing');
    });
  const c = run.computation;
  return (
    <li class="card run-card payroll-run" data-run={run.name}>
      <div class="plan-summary">
        <strong>{run.period}</strong>
        <span>{unit}</span>
        <Badge kind={stateKind}>{label('pay.state.', run.state)}</Badge>
        <span class="muted">{t('pay.count', { n: run.payslipCount ?? 0 })}</span>
        <span>
          {t('pay.gross')} <span class="money">{formatMoney(run.grossTotal)}</span>
        </span>
        <span>
          {t('pay.net')} <strong class="money">{formatMoney(run.netTotal)}</strong>
        </span>
        {(run.warningCount ?? 0) > 0 && <Badge kind="warn">{t('pay.warnings', { n: run.warningCount ?? 0 })}</Badge>}
        <button type="button" class="secondary small" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? t('common.close') : t('common.open')}
        </button>
      </div>
      {c && running(run) && (
        <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={c.percentDone ?? 0} aria-label={t('pay.computing')}>
          <span style={{ width: `${c.percentDone ?? 0}%` }} />
          <em>
            {t('pay.computing')} {c.percentDone ?? 0}% · {c.phase}
          </em>
        </div>
      )}
      {c?.state === 'STATE_FAILED' && <p class="notice bad">{c.error}</p>}
      {run.rejectionReason && run.state !== 'STATE_LOCKED' && (
        <p class="notice bad">
          {t('pay.rejected')}: {run.rejectionReason}
        </p>
      )}
      <div class="buttons">
        {(run.state === 'STATE_COMPUTED' || run.state === 'STATE_DRAFT') && (
          <button type="button" class="secondary" onClick={() => act('compute')} disabled={action.busy || running(run)}>
            {t('pay.recompute')}
          </button>
        )}
        {run.state === 'STATE_COMPUTED' && (
          <button type="button" onClick={() => act('submit')} disabled={action.busy || running(run)}>
            {t('pay.submit')}
          </button>
        )}
        {run.state === 'STATE_SUBMITTED' && <span class="muted">{t('pay.waiting')}</span>}
        {run.state === 'STATE_LOCKED' && (
          <>
            <button
              type="button"
              onClick={() => action.run(() => download(`/v1/${run.name}:exportSalaryRegister`, {}, `salary-register-${run.period}.xlsx`))}
              disabled={action.busy}
            >
              {t('pay.exportRegister')}
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => action.run(() => download(`/v1/${run.name}:exportBankTransfer`, {}, `bank-transfer-${run.period}.csv`))}
              disabled={action.busy}
            >
              {t('pay.exportBank')}
            </button>
            <span class="muted small-text">
              {t('pay.lockedBy', { who: run.approvedBy ?? '', time: formatTime(run.lockTime) })}
            </span>
          </>
        )}
      </div>
      <ActionResult action={action} />
      {open && <Payslips run={run.name} />}
    </li>
  );
}

function Payslips({ run }: { run: string }) {
  const [shown, setShown] = useState('');
  const slips = useAsync(() => get<{ payslips?: Payslip[] }>(`/v1/${run}/payslips`, { pageSize: 1000 }).then((r) => r.payslips ?? []), [run]);
  return (
    <Async state={slips}>
      {(ps) => (
        <>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t('common.manager')}</th>
                <th scope="col">{t('roster.grade')}</th>
                <th scope="col" class="num">
                  {t('pay.gross')}
                </th>
                <th scope="col" class="num">
                  {t('pay.deductions')}
                </th>
                <th scope="col" class="num">
                  {t('pay.net')}
                </th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {ps.map((p) => (
                <tr key={p.name}>
                  <td>
                    {p.managerDisplayName} <span class="muted">{idOf(p.manager)}</span>
                  </td>
                  <td>{p.grade}</td>
                  <td class="num money">{formatMoney(p.gross)}</td>
                  <td class="num money">{formatMoney(p.deductions)}</td>
                  <td class="num money">{formatMoney(p.net)}</td>
                  <td>
                    <button type="button" class="secondary small" onClick={() => setShown(shown === p.name ? '' : p.name)}>
                      {shown === p.name ? t('common.close') : t('pay.payslip')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown && ps.find((p) => p.name === shown) && <PayslipView slip={ps.find((p) => p.name === shown) as Payslip} />}
        </>
      )}
    </Async>
  );
}
