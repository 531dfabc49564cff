// One payslip (工资条) that explains itself: every line with its amount, formula,
// and the inputs with their values and where each came from.

import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { label, t } from '../i18n';
import { formatMoney } from '../money';
import type { Payslip } from '../types';

export function PayslipView({ slip }: { slip: Payslip }) {
  const [open, setOpen] = useState<string>('');
  return (
    <div class="payslip">
      <div class="plan-summary">
        <strong>{slip.managerDisplayName}</strong>
        <span class="muted">{slip.period}</span>
        <span class="muted">{slip.grade}</span>
        <span>
          {t('pay.net')} <strong class="money">{formatMoney(slip.net)}</strong>
        </span>
      </div>
      {(slip.warnings ?? []).length > 0 && (
        <ul class="plain small-text">
          {(slip.warnings ?? []).map((w) => (
            <li key={w} class="warn-text">
              ⚠ {w}
            </li>
          ))}
        </ul>
      )}
      <table class="data payslip-lines">
        <thead>
          <tr>
            <th scope="col">{t('pay.line')}</th>
            <th scope="col">{t('pay.kind')}</th>
            <th scope="col" class="num">
              {t('pay.amount')}
            </th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {(slip.lines ?? []).map((l) => (
            <Fragment key={l.code}>
              <tr>
                <th scope="row">{l.displayName || l.code}</th>
                <td>{label('linekind.', l.kind)}</td>
                <td class="num money">{formatMoney(l.amount)}</td>
                <td>
                  <button type="button" class="secondary small" aria-expanded={open === l.code} onClick={() => setOpen(open === l.code ? '' : l.code ?? '')}>
                    {open === l.code ? t('common.close') : t('pay.explain')}
                  </button>
                </td>
              </tr>
              {open === l.code && (
                <tr class="explain">
                  <td colSpan={4}>
                    {l.formula && (
                      <p>
                        {t('pay.formula')}: <code>{l.formula}</code>
                      </p>
                    )}
                    <ul class="plain small-text">
                      {(l.inputs ?? []).map((i) => (
                        <li key={i.name}>
                          <code>{i.name}</code> = {i.value} <span class="muted">— {i.source}</span>
                        </li>
                      ))}
                    </ul>
                    {l.note && <p class="muted small-text">{l.note}</p>}
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('pay.gross')}</th>
            <td />
            <td class="num money">{formatMoney(slip.gross)}</td>
            <td />
          </tr>
          <tr>
            <th scope="row">{t('pay.deductions')}</th>
            <td />
            <td class="num money">{formatMoney(slip.deductions)}</td>
            <td />
          </tr>
          <tr>
            <th scope="row">{t('pay.net')}</th>
            <td />
            <td class="num money">
              <strong>{formatMoney(slip.net)}</strong>
            </td>
            <td />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
