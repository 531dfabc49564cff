// My payslips (我的工资条): the manager's payslips of locked payroll runs, each
// line explained.

import { useState } from 'preact/hooks';
import { get } from '../api';
import { t } from '../i18n';
import type { PageProps } from '../sections';
import type { Payslip } from '../types';
import { Async, Page, useAsync, useId } from '../ui';
import { PayslipView } from './payslip';

export function CmPayslips({ session }: PageProps) {
  const slips = useAsync(
    () =>
      get<{ payslips?: Payslip[] }>('/v1/payrollRuns/-/payslips', { filter: `manager = "managers/${session.user}"`, pageSize: 24 }).then(
        (r) => r.payslips ?? [],
      ),
    [session.user],
  );
  return (
    <Page title={t('page.cmPayslips')}>
      <Async state={slips}>{(ps) => (ps.length === 0 ? <p class="card">{t('pay.noneMine')}</p> : <Slips slips={ps} />)}</Async>
    </Page>
  );
}

function Slips({ slips }: { slips: Payslip[] }) {
  const [name, setName] = useState(slips[0].name);
  const id = useId('slip');
  const slip = slips.find((s) => s.name === name) ?? slips[0];
  return (
    <>
      <div class="toolbar">
        <label for={id}>{t('score.period')}</label>
        <select id={id} value={name} onChange={(e) => setName(e.currentTarget.value)}>
          {slips.map((s) => (
            <option key={s.name} value={s.name}>
              {s.period}
            </option>
          ))}
        </select>
      </div>
      <div class="card">
        <PayslipView slip={slip} />
      </div>
    </>
  );
}
