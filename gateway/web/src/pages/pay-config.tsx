// Pay configuration (薪酬方案): the effective-dated versions of the pay table
// (a factor of the base standard S per grade), the parameters, the pay
// components with their formulas, commission rules and region classes. HR
// creates a new version from an existing one; the compensation service checks
// every formula when it is saved and names each mistake with its line and
// column, which the form shows under the formula, at that position.

import { useState } from 'preact/hooks';
import { ApiError, get, post, requestId } from '../api';
import { formatTime, fromCivil, isDate, thisMonth } from '../dates';
import { label, t } from '../i18n';
import { formatMoney, moneyText, toMoney } from '../money';
import type { PageProps } from '../sections';
import type { FormulaInput, GradeLadder, PayConfig } from '../types';
import { Async, Badge, ErrorBox, Page, idOf, useAction, useAsync, useId } from '../ui';
import { useOrgUnits } from './orgunits';

export function PayConfigs({ session }: PageProps) {
  const list = useAsync(() => get<{ payConfigs?: PayConfig[] }>('/v1/payConfigs', { pageSize: 100 }).then((r) => r.payConfigs ?? []), []);
  const [chosen, setChosen] = useState('');
  const [notice, setNotice] = useState('');
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<PayConfig | null>(null); // shown until the list has it
  const id = useId('version');
  const canWrite = session.roles.includes('hr_officer');
  return (
    <Page title={t('page.payConfigs')}>
      {notice && (
        <p class="notice ok" role="status">
          {notice}
        </p>
      )}
      <Async state={list}>
        {(listed) => {
          const cs = saved && !listed.some((x) => x.name === saved.name) ? [saved, ...listed] : listed;
          if (cs.length === 0) return <p class="card">{t('cfg.none')}</p>;
          const c = cs.find((x) => x.name === chosen) ?? cs[0];
          return (
            <>
              <div class="toolbar">
                <label for={id}>{t('cfg.version')}</label>
                <select
                  id={id}
                  value={c.name}
                  onChange={(e) => {
                    setChosen(e.currentTarget.value);
                    setEditing(false);
                  }}
                >
                  {cs.map((x) => (
                    <option key={x.name} value={x.name}>
                      {t('cfg.from', { date: fromCivil(x.effectiveDate) || idOf(x.name) })} · {x.description}
                    </option>
                  ))}
                </select>
                {canWrite && !editing && (
                  <button
                    type="button"
                    class="secondary"
                    onClick={() => {
                      setNotice('');
                      setEditing(true);
                    }}
                  >
                    {t('cfg.newFrom')}
                  </button>
                )}
              </div>
              {editing ? (
                <NewVersion
                  base={c}
                  onCancel={() => setEditing(false)}
                  onSaved={(x) => {
                    setEditing(false);
                    setNotice(t('cfg.saved', { date: fromCivil(x.effectiveDate) || idOf(x.name) }));
                    setSaved(x);
                    setChosen(x.name);
                    list.reload();
                  }}
                />
              ) : (
                <ConfigView c={c} />
              )}
            </>
          );
        }}
      </Async>
    </Page>
  );
}

function useLadderNames() {
  const ladders = useAsync(() => get<{ gradeLadders?: GradeLadder[] }>('/v1/gradeLadders', { pageSize: 50 }).then((r) => r.gradeLadders ?? []), []);
  const ls = ladders.status === 'ok' ? ladders.data : [];
  const names = new Map(ls.map((l) => [l.name, l.displayName ?? idOf(l.name)]));
  const levels = new Map(ls.flatMap((l) => (l.levels ?? []).map((v) => [`${l.name}/${v.code}`, v.displayName ?? v.code] as [string, string])));
  return { names, levels };
}

function ConfigView({ c }: { c: PayConfig }) {
  const ladders = useLadderNames();
  const units = useOrgUnits();
  const inputs = useAsync(() => get<{ inputs?: FormulaInput[] }>('/v1/formulaInputs').then((r) => r.inputs ?? []), []);
  return (
    <div class="pay-config">
      <div class="card">
        <h2>
          {c.description} <Badge>{t('cfg.revision', { n: String(c.revision ?? 1) })}</Badge>
        </h2>
        <dl class="facts">
          <dt>{t('cfg.effective')}</dt>
          <dd>{fromCivil(c.effectiveDate)}</dd>
          <dt>{t('cfg.standard')}</dt>
          <dd class="money">{formatMoney(c.standard)}</dd>
          <dt>{t('cfg.updated')}</dt>
          <dd>
            {c.updatedBy} {formatTime(c.updateTime)}
          </dd>
          {(c.supervisorPosts ?? []).length > 0 && (
            <>
              <dt>{t('cfg.supervisorPosts')}</dt>
              <dd>{(c.supervisorPosts ?? []).join('、')}</dd>
            </>
          )}
          {(c.supervisorLevels ?? []).length > 0 && (
            <>
              <dt>{t('cfg.supervisorLevels')}</dt>
              <dd>{(c.supervisorLevels ?? []).join('、')}</dd>
            </>
          )}
        </dl>
      </div>
      <div class="card">
        <h2>{t('cfg.components')}</h2>
        <div class="table-wrap">
          <table class="data components">
            <thead>
              <tr>
                <th scope="col">{t('cfg.code')}</th>
                <th scope="col">{t('pay.line')}</th>
                <th scope="col">{t('pay.kind')}</th>
                <th scope="col">{t('cfg.eligibility')}</th>
                <th scope="col">{t('pay.formula')}</th>
              </tr>
            </thead>
            <tbody>
              {(c.components ?? []).map((x) => (
                <tr key={x.code}>
                  <td>
                    <code>{x.code}</code>
                  </td>
                  <td>{x.displayName}</td>
                  <td>{label('linekind.', x.kind)}</td>
                  <td>{label('elig.', x.eligibility)}</td>
                  <td>
                    <code class="formula">{x.formula}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <div class="card">
        <h2>{t('cfg.table')}</h2>
        <p class="muted small-text">{t('cfg.tableHint', { s: formatMoney(c.standard) })}</p>
        <div class="table-wrap">
          <table class="data grade-rates">
            <thead>
              <tr>
                <th scope="col">{t('grades.ladder')}</th>
                <th scope="col">{t('grades.level')}</th>
                <th scope="col" class="num">
                  {t('cfg.baseFactor')}
                </th>
                <th scope="col" class="num">
                  {t('cfg.performanceFactor')}
                </th>
              </tr>
            </thead>
            <tbody>
              {(c.gradeRates ?? []).map((r, i) => (
                <tr key={i}>
                  <td>{ladders.names.get(r.ladder) ?? idOf(r.ladder)}</td>
                  <td>
                    {ladders.levels.get(`${r.ladder}/${r.level}`) ?? r.level}
                    {r.band ? ` ${r.band}` : ''}
                  </td>
                  <td class="num">{r.baseFactor}</td>
                  <td class="num">{r.performanceFactor || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <div class="card">
        <h2>{t('cfg.parameters')}</h2>
        <table class="data parameters">
          <thead>
            <tr>
              <th scope="col">{t('cfg.name')}</th>
              <th scope="col">{t('cfg.unit')}</th>
              <th scope="col" class="num">
                {t('cfg.value')}
              </th>
              <th scope="col">{t('cfg.description')}</th>
            </tr>
          </thead>
          <tbody>
            {(c.parameters ?? []).map((p) => (
              <tr key={p.name}>
                <td>
                  <code>{p.name}</code>
                </td>
                <td>{label('unit.', p.unit)}</td>
                <td class="num">{p.value}</td>
                <td class="small-text">{p.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {(c.commissionRules ?? []).length > 0 && (
          <>
            <h3>{t('cfg.commission')}</h3>
            <ul class="plain">
              {(c.commissionRules ?? []).map((r) => (
                <li key={r.code}>
                  <code>{r.code}</code> {r.displayName}：{t('cfg.commissionRule', { rate: r.rate, threshold: r.threshold })}
                </li>
              ))}
            </ul>
          </>
        )}
        {(c.regionClasses ?? []).length > 0 && (
          <>
            <h3>{t('cfg.regions')}</h3>
            <ul class="plain">
              {(c.regionClasses ?? []).map((r) => (
                <li key={r.orgUnit}>
                  {units.names.get(r.orgUnit) ?? idOf(r.orgUnit)} {r.displayName ? `(${r.displayName})` : ''}：{r.coefficient}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      <details class="card">
        <summary>{t('cfg.inputs')}</summary>
        <Async state={inputs}>
          {(is) => (
            <table class="data small-text">
              <tbody>
                {is.map((x) => (
                  <tr key={x.name}>
                    <td>
                      <code>{x.name}</code>
                    </td>
                    <td>{label('unit.', x.unit)}</td>
                    <td>{x.description}</td>
                    <td class="muted">{x.source}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Async>
      </details>
    </div>
  );
}

/** The first day of next month, YYYY-MM-DD: the usual start of a new version. */
function nextMonthFirst(): string {
  const [y, m] = thisMonth().split('-').map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** FormulaProblem is a formula mistake as the API reports it: "2:3: unknown name …". */
interface FormulaProblem {
  line: number;
  column: number;
  message: string;
}

export function formulaProblem(description: string): FormulaProblem | null {
  const m = /^(\d+):(\d+): ([\s\S]*)$/.exec(description);
  return m ? { line: Number(m[1]), column: Number(m[2]), message: m[3] } : null;
}

/**
 * FormulaError shows the formula's line where the mistake is, with a caret
 * under its column (columns count characters, as the service counts them).
 */
function FormulaError({ formula, description }: { formula: string; description: string }) {
  const p = formulaProblem(description);
  if (!p) return <p class="field-error">{description}</p>;
  const text = formula.split('\n')[p.line - 1] ?? '';
  const chars = Array.from(text);
  const col = Math.min(Math.max(p.column, 1), chars.length + 1);
  return (
    <div class="field-error formula-error" role="alert">
      <pre aria-hidden="true">
        {text}
        {'\n'}
        <span class="caret">{' '.repeat(col - 1)}^</span>
      </pre>
      <p>{t('cfg.errorAt', { line: p.line, column: p.column, message: p.message })}</p>
    </div>
  );
}

function NewVersion({ base, onCancel, onSaved }: { base: PayConfig; onCancel: () => void; onSaved: (c: PayConfig) => void }) {
  const [date, setDate] = useState(nextMonthFirst());
  const [description, setDescription] = useState(t('cfg.defaultDescription', { date: nextMonthFirst() }));
  const [standard, setStandard] = useState(moneyText(base.standard));
  const [params, setParams] = useState((base.parameters ?? []).map((p) => p.value));
  const [formulas, setFormulas] = useState((base.components ?? []).map((c) => c.formula));
  const [factors, setFactors] = useState((base.gradeRates ?? []).map((r) => [r.baseFactor, r.performanceFactor ?? '']));
  const [problems, setProblems] = useState<Map<string, string>>(new Map());
  const [checked, setChecked] = useState('');
  const action = useAction();
  const ladders = useLadderNames();
  const ids = { date: useId('date'), desc: useId('desc'), std: useId('std') };
  const send = (validateOnly: boolean) =>
    action.run(async () => {
      setChecked('');
      setProblems(new Map());
      const money = toMoney(standard);
      if (!money) throw new ApiError(t('cfg.badStandard'), 0, 'INVALID_ARGUMENT', [{ field: 'standard', description: t('cfg.badStandard') }]);
      if (!isDate(date)) throw new ApiError(t('cfg.badDate'), 0, 'INVALID_ARGUMENT', [{ field: 'pay_config_id', description: t('cfg.badDate') }]);
      // The whole configuration, as the version it starts from has it, with the edits.
      const body = {
        description,
        standard: money,
        parameters: (base.parameters ?? []).map((p, i) => ({ ...p, value: params[i].trim() })),
        components: (base.components ?? []).map((c, i) => ({ ...c, formula: formulas[i] })),
        gradeRates: (base.gradeRates ?? []).map((r, i) => ({ ...r, baseFactor: factors[i][0].trim(), performanceFactor: factors[i][1].trim() || undefined })),
        commissionRules: base.commissionRules,
        regionClasses: base.regionClasses,
        supervisorPosts: base.supervisorPosts,
        supervisorLevels: base.supervisorLevels,
      };
      try {
        const saved = await post<PayConfig>('/v1/payConfigs', body, { payConfigId: date, validateOnly: validateOnly || undefined, requestId: requestId() });
        if (validateOnly) {
          setChecked(t('cfg.checkedOk'));
          return;
        }
        onSaved(saved);
      } catch (e) {
        if (e instanceof ApiError) setProblems(new Map(e.violations.map((v) => [v.field.replace(/^pay_config\./, ''), v.description])));
        throw e;
      }
    });
  const problem = (field: string) => problems.get(field);
  return (
    <form
      class="card form pay-config-form"
      onSubmit={(e) => {
        e.preventDefault();
        send(false);
      }}
    >
      <h2>{t('cfg.newTitle', { from: fromCivil(base.effectiveDate) })}</h2>
      <p class="muted small-text">{t('cfg.newHint')}</p>
      <div class="row">
        <div>
          <label for={ids.date}>{t('cfg.effective')}</label>
          <input id={ids.date} type="date" value={date} onInput={(e) => setDate(e.currentTarget.value)} />
          {problem('pay_config_id') && <p class="field-error">{problem('pay_config_id')}</p>}
        </div>
        <div>
          <label for={ids.std}>{t('cfg.standard')}</label>
          <input id={ids.std} inputMode="decimal" value={standard} onInput={(e) => setStandard(e.currentTarget.value)} />
          {problem('standard') && <p class="field-error">{problem('standard')}</p>}
        </div>
      </div>
      <label for={ids.desc}>{t('cfg.description')}</label>
      <input id={ids.desc} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      {problem('description') && <p class="field-error">{problem('description')}</p>}

      <fieldset>
        <legend>{t('cfg.components')}</legend>
        {(base.components ?? []).map((c, i) => {
          const f = `components[${i}].formula`;
          return (
            <div key={c.code} class={`component-edit ${problem(f) ? 'has-error' : ''}`} data-component={c.code}>
              <label for={`formula-${c.code}`}>
                {c.displayName} <code>{c.code}</code> <span class="muted small-text">{label('elig.', c.eligibility)}</span>
              </label>
              <textarea
                id={`formula-${c.code}`}
                class="formula"
                rows={Math.max(2, formulas[i].split('\n').length)}
                spellcheck={false}
                aria-invalid={problem(f) ? true : undefined}
                value={formulas[i]}
                onInput={(e) => {
                  const v = e.currentTarget.value;
                  setFormulas((xs) => xs.map((x, j) => (j === i ? v : x)));
                }}
              />
              {problem(f) && <FormulaError formula={formulas[i]} description={problem(f) as string} />}
            </div>
          );
        })}
      </fieldset>

      <fieldset>
        <legend>{t('cfg.parameters')}</legend>
        <div class="row">
          {(base.parameters ?? []).map((p, i) => (
            <div key={p.name}>
              <label for={`param-${p.name}`} title={p.description}>
                <code>{p.name}</code> <span class="muted small-text">{label('unit.', p.unit)}</span>
              </label>
              <input
                id={`param-${p.name}`}
                inputMode="decimal"
                value={params[i]}
                onInput={(e) => {
                  const v = e.currentTarget.value;
                  setParams((xs) => xs.map((x, j) => (j === i ? v : x)));
                }}
              />
              {problem(`parameters[${i}].value`) && <p class="field-error">{problem(`parameters[${i}].value`)}</p>}
            </div>
          ))}
        </div>
      </fieldset>

      <details>
        <summary>{t('cfg.table')}</summary>
        <table class="data grade-rates">
          <thead>
            <tr>
              <th scope="col">{t('grades.level')}</th>
              <th scope="col">{t('cfg.baseFactor')}</th>
              <th scope="col">{t('cfg.performanceFactor')}</th>
            </tr>
          </thead>
          <tbody>
            {(base.gradeRates ?? []).map((r, i) => {
              const name = `${ladders.names.get(r.ladder) ?? idOf(r.ladder)} ${ladders.levels.get(`${r.ladder}/${r.level}`) ?? r.level}${r.band ? ` ${r.band}` : ''}`;
              return (
                <tr key={i}>
                  <th scope="row">{name}</th>
                  {[0, 1].map((k) => {
                    const f = `grade_rates[${i}].${k === 0 ? 'base_factor' : 'performance_factor'}`;
                    return (
                      <td key={k}>
                        <input
                          class="rating-input"
                          inputMode="decimal"
                          aria-label={`${name} ${k === 0 ? t('cfg.baseFactor') : t('cfg.performanceFactor')}`}
                          value={factors[i][k]}
                          onInput={(e) => {
                            const v = e.currentTarget.value;
                            setFactors((xs) => xs.map((x, j) => (j === i ? (k === 0 ? [v, x[1]] : [x[0], v]) : x)));
                          }}
                        />
                        {problem(f) && <p class="field-error">{problem(f)}</p>}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </details>

      {action.error != null && <ErrorBox error={action.error} />}
      {checked && (
        <p class="notice ok" role="status">
          {checked}
        </p>
      )}
      <div class="buttons">
        <button type="button" class="secondary" onClick={() => send(true)} disabled={action.busy}>
          {t('cfg.check')}
        </button>
        <button type="submit" disabled={action.busy}>
          {t('cfg.save')}
        </button>
        <button type="button" class="secondary" onClick={onCancel} disabled={action.busy}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

