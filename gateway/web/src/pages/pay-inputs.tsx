// Pay inputs (薪酬录入): what HR records for a month besides the figures bank
// systems push — conduct deductions, awards, trainees' days worked, marketing
// expenses, other deductions, corrections of locked months, commission
// contracts and collections. A payroll run reads them when it computes; an input
// recorded by mistake is removed until the month's run is locked.

import { useState } from 'preact/hooks';
import { api, get, post, requestId } from '../api';
import { formatTime, isMonth, thisMonth } from '../dates';
import { label, t, type MsgKey } from '../i18n';
import type { PageProps } from '../sections';
import type { PayInput, PayrollRun } from '../types';
import { ActionResult, Async, Page, idOf, useAction, useAsync, useId } from '../ui';
import { MonthPicker } from './cm-month';
import { useTeam } from './team';

/** What each kind asks for, from the contract (PayInput.Kind). */
const KINDS: { kind: string; code?: 'required' | 'rule'; contract?: boolean; run?: boolean; hint: MsgKey }[] = [
  { kind: 'KIND_CONDUCT_DEDUCTION', code: 'required', hint: 'inp.hint.KIND_CONDUCT_DEDUCTION' },
  { kind: 'KIND_AWARD', code: 'required', hint: 'inp.hint.KIND_AWARD' },
  { kind: 'KIND_DAYS_WORKED', hint: 'inp.hint.KIND_DAYS_WORKED' },
  { kind: 'KIND_MARKETING_EXPENSE', hint: 'inp.hint.KIND_MARKETING_EXPENSE' },
  { kind: 'KIND_OTHER_DEDUCTION', code: 'required', hint: 'inp.hint.KIND_OTHER_DEDUCTION' },
  { kind: 'KIND_ADJUSTMENT', run: true, hint: 'inp.hint.KIND_ADJUSTMENT' },
  { kind: 'KIND_COMMISSION_CONTRACT', code: 'rule', contract: true, hint: 'inp.hint.KIND_COMMISSION_CONTRACT' },
  { kind: 'KIND_COLLECTION', contract: true, hint: 'inp.hint.KIND_COLLECTION' },
];

export function PayInputs({ route }: PageProps) {
  const m = route.params.get('m') ?? '';
  const [month, setMonth] = useState(isMonth(m) ? m : thisMonth());
  const team = useTeam();
  const list = useAsync(
    () => get<{ payInputs?: PayInput[] }>('/v1/payInputs', { filter: `period = "${month}"`, pageSize: 1000 }).then((r) => r.payInputs ?? []),
    [month],
  );
  const [notice, setNotice] = useState('');
  return (
    <Page title={t('page.payInputs')}>
      <MonthPicker value={month} onChange={setMonth} />
      <NewInput
        month={month}
        managers={team.managers.map((x) => [x.name, x.displayName ?? idOf(x.name)])}
        onCreated={async () => {
          setNotice('');
          await list.reload();
        }}
      />
      {notice && (
        <p class="notice ok" role="status">
          {notice}
        </p>
      )}
      <Async state={list}>
        {(ins) =>
          ins.length === 0 ? (
            <p class="card">{t('inp.none', { month })}</p>
          ) : (
            <div class="card">
              <h2>{t('inp.list', { month })}</h2>
              <div class="table-wrap">
                <table class="data pay-inputs">
                  <thead>
                    <tr>
                      <th scope="col">{t('common.manager')}</th>
                      <th scope="col">{t('inp.kind')}</th>
                      <th scope="col">{t('inp.code')}</th>
                      <th scope="col" class="num">
                        {t('cfg.value')}
                      </th>
                      <th scope="col">{t('inp.description')}</th>
                      <th scope="col">{t('inp.recorded')}</th>
                      <th scope="col" />
                    </tr>
                  </thead>
                  <tbody>
                    {ins.map((x) => (
                      <InputRow
                        key={x.name}
                        x={x}
                        who={team.names.get(idOf(x.manager)) ?? idOf(x.manager)}
                        onDeleted={async (msg) => {
                          await list.reload();
                          setNotice(msg);
                        }}
                      />
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          )
        }
      </Async>
    </Page>
  );
}

function InputRow({ x, who, onDeleted }: { x: PayInput; who: string; onDeleted: (notice: string) => Promise<void> }) {
  const action = useAction();
  const remove = () =>
    action.run(async () => {
      await api('DELETE', `/v1/${x.name}`, { query: { requestId: requestId() } });
      await onDeleted(t('inp.deleted', { who, kind: label('inp.kind.', x.kind) }));
    });
  return (
    <tr data-input={x.name}>
      <td>
        {who} <span class="muted">{idOf(x.manager)}</span>
      </td>
      <td>{label('inp.kind.', x.kind)}</td>
      <td>
        {x.code && <code>{x.code}</code>} {x.contract && <span class="muted">{x.contract}</span>}
        {x.referenceRun && <span class="muted">{idOf(x.referenceRun)}</span>}
      </td>
      <td class="num money">{x.value}</td>
      <td class="small-text">{x.description}</td>
      <td class="small-text muted">
        {x.createdBy} {formatTime(x.createTime)}
        {x.source && x.source !== x.createdBy ? ` · ${x.source}` : ''}
      </td>
      <td>
        <button type="button" class="secondary small" onClick={remove} disabled={action.busy} aria-label={`${t('inp.delete')} ${who} ${label('inp.kind.', x.kind)}`}>
          {t('inp.delete')}
        </button>
        <ActionResult action={action} />
      </td>
    </tr>
  );
}

function NewInput({ month, managers, onCreated }: { month: string; managers: [string, string][]; onCreated: () => Promise<void> }) {
  const [manager, setManager] = useState('');
  const [kind, setKind] = useState(KINDS[0].kind);
  const [code, setCode] = useState('');
  const [contract, setContract] = useState('');
  const [value, setValue] = useState('');
  const [run, setRun] = useState('');
  const [description, setDescription] = useState('');
  const action = useAction();
  const ids = { manager: useId('mgr'), kind: useId('kind'), code: useId('code'), contract: useId('contract'), value: useId('value'), run: useId('run'), desc: useId('desc'), hint: useId('hint') };
  const spec = KINDS.find((k) => k.kind === kind) ?? KINDS[0];
  const locked = useAsync(
    () => (spec.run ? get<{ payrollRuns?: PayrollRun[] }>('/v1/payrollRuns', { filter: 'state = STATE_LOCKED', pageSize: 100 }).then((r) => r.payrollRuns ?? []) : Promise.resolve([])),
    [spec.run],
  );
  const who = manager || managers[0]?.[0] || '';
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const input: PayInput = {
        manager: who,
        period: month,
        kind,
        code: spec.code ? code.trim() || undefined : undefined,
        contract: spec.contract ? contract.trim() || undefined : undefined,
        referenceRun: spec.run ? run || undefined : undefined,
        value: value.trim(),
        description: description.trim() || undefined,
      };
      await post<PayInput>('/v1/payInputs', input, { requestId: requestId() });
      await onCreated();
      setValue('');
      setDescription('');
      return t('inp.created', { who: managers.find(([n]) => n === who)?.[1] ?? idOf(who), kind: label('inp.kind.', kind), month });
    });
  };
  return (
    <form class="card form" onSubmit={submit}>
      <h2>{t('inp.new', { month })}</h2>
      <div class="row">
        <div>
          <label for={ids.manager}>{t('common.manager')}</label>
          <select id={ids.manager} value={who} onChange={(e) => setManager(e.currentTarget.value)}>
            {managers.map(([name, display]) => (
              <option key={name} value={name}>
                {display} {idOf(name)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for={ids.kind}>{t('inp.kind')}</label>
          <select id={ids.kind} value={kind} aria-describedby={ids.hint} onChange={(e) => setKind(e.currentTarget.value)}>
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {label('inp.kind.', k.kind)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for={ids.value}>{t('cfg.value')}</label>
          <input id={ids.value} inputMode="decimal" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </div>
      </div>
      <p id={ids.hint} class="muted small-text">
        {t(spec.hint)}
      </p>
      <div class="row">
        {spec.code && (
          <div>
            <label for={ids.code}>{spec.code === 'rule' ? t('inp.rule') : t('inp.code')}</label>
            <input id={ids.code} value={code} placeholder={spec.code === 'rule' ? 'LOAN_CONTRACT' : 'LATE'} onInput={(e) => setCode(e.currentTarget.value.toUpperCase())} />
          </div>
        )}
        {spec.contract && (
          <div>
            <label for={ids.contract}>{t('inp.contract')}</label>
            <input id={ids.contract} value={contract} onInput={(e) => setContract(e.currentTarget.value)} />
          </div>
        )}
        {spec.run && (
          <div>
            <label for={ids.run}>{t('inp.run')}</label>
            <select id={ids.run} value={run} onChange={(e) => setRun(e.currentTarget.value)}>
              <option value="">—</option>
              {(locked.status === 'ok' ? locked.data : []).map((r) => (
                <option key={r.name} value={r.name}>
                  {r.period} {idOf(r.orgUnit)}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <label for={ids.desc}>
        {t('inp.description')}
        <span class="muted">{t('common.optional')}</span>
      </label>
      <input id={ids.desc} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      <button type="submit" disabled={action.busy || !who}>
        {t('inp.create')}
      </button>
      <ActionResult action={action} />
    </form>
  );
}
