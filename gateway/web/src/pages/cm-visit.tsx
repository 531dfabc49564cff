// Check-in and visit record (签到与拜访记录): the customer (from this month's
// plan), the day, the check-in place and time, the checklist of the customer's
// kind from the visit settings (问 看 介 记), findings, a stock check against
// safety stock, needs, complaints and next actions. The answer says how far the
// check-in was from the customer, which required steps were skipped and which
// products are below safety stock.

import { useState } from 'preact/hooks';
import { get, isNotFound, post, requestId } from '../api';
import { fromCivil, isDate, isMonth, thisMonth, toCivil, today, formatTime } from '../dates';
import { label, t } from '../i18n';
import { href, navigate } from '../router';
import type { PageProps } from '../sections';
import type { Customer, Plan, StockLine, Visit, VisitSettings } from '../types';
import { ActionResult, Async, Page, idOf, useAction, useAsync, useId } from '../ui';

const FINDINGS = ['FINDING_PRICE_TAG_MISSING', 'FINDING_PRICE_TAG_MISMATCH', 'FINDING_UNTIDY_DISPLAY', 'FINDING_ILLEGAL_GOODS'];
const METHODS = ['VISIT_METHOD_ON_SITE', 'VISIT_METHOD_PHONE', 'VISIT_METHOD_ONLINE'];

interface Loaded {
  settings: VisitSettings;
  plan: Plan | null;
}

export function CmVisit({ session, route }: PageProps) {
  const customer = route.params.get('customer') ?? '';
  const d = route.params.get('date') ?? '';
  const date = isDate(d) && d <= today() ? d : today();
  const m = route.params.get('m') ?? '';
  const month = isMonth(m) ? m : date.slice(0, 7) || thisMonth();
  const data = useAsync<Loaded>(async () => {
    const [settings, plan] = await Promise.all([
      get<VisitSettings>('/v1/visitSettings'),
      get<Plan>(`/v1/managers/${session.user}/plans/${month}`).catch((e) => (isNotFound(e) ? null : Promise.reject(e))),
    ]);
    return { settings, plan };
  }, [session.user, month]);
  return (
    <Page title={t('page.cmVisit')}>
      <Async state={data}>
        {(l) => <VisitForm key={`${customer}|${date}`} user={session.user} loaded={l} customer={customer} date={date} month={month} />}
      </Async>
    </Page>
  );
}

function VisitForm({ user, loaded, customer, date, month }: { user: string; loaded: Loaded; customer: string; date: string; month: string }) {
  const open = (loaded.plan?.items ?? []).filter((i) => i.kind === 'KIND_VISIT' && i.status !== 'STATUS_DONE' && i.customer);
  const options = new Map(open.map((i) => [i.customer as string, i.customerDisplayName || (i.customer as string)]));
  if (customer && !options.has(customer)) options.set(customer, customer);
  const line = open.find((i) => i.customer === customer);
  const cust = useAsync(
    () => (customer ? get<Customer>(`/v1/${customer}`).catch(() => null) : Promise.resolve(null)),
    [customer],
  );
  const kind = cust.status === 'ok' && cust.data?.kind ? cust.data.kind.replace(/^KIND_/, '') : '';
  const lists = loaded.settings.checklists ?? [];
  const checklist = lists.find((c) => (c.customerKind ?? '') === kind) ?? lists.find((c) => !c.customerKind);

  const [day, setDay] = useState(date);
  const [method, setMethod] = useState(line?.method && line.method !== 'VISIT_METHOD_UNSPECIFIED' ? line.method : 'VISIT_METHOD_ON_SITE');
  const [lat, setLat] = useState('');
  const [lng, setLng] = useState('');
  const [checkIn, setCheckIn] = useState('');
  const [locating, setLocating] = useState('');
  const [steps, setSteps] = useState<string[]>([]);
  const [findings, setFindings] = useState<string[]>([]);
  const [stock, setStock] = useState<StockLine[]>([]);
  const [needs, setNeeds] = useState('');
  const [complaints, setComplaints] = useState('');
  const [next, setNext] = useState('');
  const [notes, setNotes] = useState('');
  const [saved, setSaved] = useState<Visit | null>(null);
  const action = useAction();
  const ids = {
    customer: useId('cust'), day: useId('day'), method: useId('method'), lat: useId('lat'), lng: useId('lng'),
    needs: useId('needs'), complaints: useId('compl'), next: useId('next'), notes: useId('notes'),
  };

  const toggle = (list: string[], set: (v: string[]) => void, v: string) => set(list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  const locate = () => {
    if (!('geolocation' in navigator)) {
      setLocating(t('visit.locateFailed', { detail: 'no geolocation' }));
      return;
    }
    setLocating(t('visit.locating'));
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setLat(pos.coords.latitude.toFixed(6));
        setLng(pos.coords.longitude.toFixed(6));
        setCheckIn(new Date().toISOString());
        setLocating('');
      },
      (err) => setLocating(t('visit.locateFailed', { detail: err.message || String(err.code) })),
      { enableHighAccuracy: true, timeout: 15000 },
    );
  };

  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const visit: Visit = {
        customer,
        date: toCivil(day),
        method,
        steps,
        findings,
        stock: stock.filter((s) => s.product.trim() !== ''),
        needs,
        complaints,
        nextActions: next.split('\n').map((s) => s.trim()).filter(Boolean),
        notes,
      };
      if (lat !== '' && lng !== '') {
        visit.checkInLocation = { latitude: Number(lat), longitude: Number(lng) };
        visit.checkInTime = checkIn || new Date().toISOString();
      }
      const out = await post<Visit>(`/v1/managers/${user}/visits`, visit, { requestId: requestId() });
      setSaved(out);
      return t('visit.saved');
    });
  };

  if (saved) return <Saved visit={saved} month={month} titles={new Map((checklist?.steps ?? []).map((x) => [x.code, x.title || x.code]))} />;

  return (
    <form class="card form visit-form" onSubmit={submit} noValidate>
      <label for={ids.customer}>
        {t('visit.customer')}
        <span class="muted">{t('common.required')}</span>
      </label>
      <select id={ids.customer} value={customer} onChange={(e) => navigate('/cm/visit', { customer: e.currentTarget.value, date: day, m: month })}>
        <option value="">{t('visit.pickCustomer')}</option>
        {[...options].map(([value, name]) => (
          <option key={value} value={value}>
            {name} ({idOf(value)})
          </option>
        ))}
      </select>
      {cust.status === 'ok' && cust.data?.address && <p class="muted">{t('visit.customerAddress', { address: cust.data.address })}</p>}

      <div class="row">
        <div>
          <label for={ids.day}>{t('visit.date')}</label>
          <input id={ids.day} type="date" value={day} max={today()} onChange={(e) => setDay(e.currentTarget.value)} />
        </div>
        <div>
          <label for={ids.method}>{t('visit.method')}</label>
          <select id={ids.method} value={method} onChange={(e) => setMethod(e.currentTarget.value)}>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {label('method.', m)}
              </option>
            ))}
          </select>
        </div>
      </div>

      <fieldset>
        <legend>{t('visit.checkIn')}</legend>
        <div class="checkin">
          <button type="button" class="secondary" onClick={locate}>
            {t('visit.locate')}
          </button>
          <span role="status" class="muted">
            {locating || (checkIn ? t('visit.located', { time: formatTime(checkIn) }) : '')}
          </span>
        </div>
        <div class="row">
          <div>
            <label for={ids.lat}>{t('visit.lat')}</label>
            <input id={ids.lat} inputMode="decimal" value={lat} onInput={(e) => setLat(e.currentTarget.value)} />
          </div>
          <div>
            <label for={ids.lng}>{t('visit.lng')}</label>
            <input id={ids.lng} inputMode="decimal" value={lng} onInput={(e) => setLng(e.currentTarget.value)} />
          </div>
        </div>
      </fieldset>

      <fieldset>
        <legend>{t('visit.checklist')}</legend>
        {(checklist?.steps ?? []).map((s) => (
          <label class="check" key={s.code}>
            <input type="checkbox" name="steps" value={s.code} checked={steps.includes(s.code)} onChange={() => toggle(steps, setSteps, s.code)} />
            {s.title || s.code}
            {s.required && <span class="badge warn">{t('visit.requiredStep')}</span>}
          </label>
        ))}
      </fieldset>

      <fieldset>
        <legend>{t('visit.findings')}</legend>
        {FINDINGS.map((f) => (
          <label class="check inline" key={f}>
            <input type="checkbox" checked={findings.includes(f)} onChange={() => toggle(findings, setFindings, f)} />
            {label('finding.', f)}
          </label>
        ))}
      </fieldset>

      <fieldset>
        <legend>{t('visit.stock')}</legend>
        {stock.map((s, i) => (
          <StockRow
            key={i}
            line={s}
            onChange={(v) => setStock(stock.map((x, j) => (j === i ? v : x)))}
            onRemove={() => setStock(stock.filter((_, j) => j !== i))}
          />
        ))}
        <button type="button" class="secondary small" onClick={() => setStock([...stock, { product: '', onHand: '', averageSalesPerCycle: '' }])}>
          {t('visit.addStock')}
        </button>
      </fieldset>

      <label for={ids.needs}>{t('visit.needs')}</label>
      <textarea id={ids.needs} rows={2} value={needs} onInput={(e) => setNeeds(e.currentTarget.value)} />
      <label for={ids.complaints}>{t('visit.complaints')}</label>
      <textarea id={ids.complaints} rows={2} value={complaints} onInput={(e) => setComplaints(e.currentTarget.value)} />
      <label for={ids.next}>{t('visit.nextActions')}</label>
      <textarea id={ids.next} rows={2} value={next} onInput={(e) => setNext(e.currentTarget.value)} />
      <label for={ids.notes}>{t('visit.notes')}</label>
      <textarea id={ids.notes} rows={2} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />

      <div>
        <button type="submit" disabled={action.busy}>
          {t('visit.save')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}

function StockRow({ line, onChange, onRemove }: { line: StockLine; onChange: (l: StockLine) => void; onRemove: () => void }) {
  const ids = { product: useId('prod'), onHand: useId('onhand'), avg: useId('avg') };
  return (
    <div class="row stock-row">
      <div>
        <label for={ids.product}>{t('visit.product')}</label>
        <input id={ids.product} value={line.product} onInput={(e) => onChange({ ...line, product: e.currentTarget.value })} />
      </div>
      <div>
        <label for={ids.onHand}>{t('visit.onHand')}</label>
        <input id={ids.onHand} inputMode="decimal" value={line.onHand} onInput={(e) => onChange({ ...line, onHand: e.currentTarget.value })} />
      </div>
      <div>
        <label for={ids.avg}>{t('visit.avgSales')}</label>
        <input id={ids.avg} inputMode="decimal" value={line.averageSalesPerCycle} onInput={(e) => onChange({ ...line, averageSalesPerCycle: e.currentTarget.value })} />
      </div>
      <label class="check inline">
        <input type="checkbox" checked={!!line.highMargin} onChange={(e) => onChange({ ...line, highMargin: e.currentTarget.checked })} />
        {t('visit.highMargin')}
      </label>
      <button type="button" class="secondary small" onClick={onRemove}>
        {t('visit.removeStock')}
      </button>
    </div>
  );
}

function Saved({ visit, month, titles }: { visit: Visit; month: string; titles: Map<string, string> }) {
  return (
    <div class="card">
      <p class="notice ok" role="status">
        {t('visit.saved')} {fromCivil(visit.date)}
      </p>
      <ul class="plain">
        {visit.checkInDistanceMeters !== undefined && <li>{t('visit.distance', { m: visit.checkInDistanceMeters })}</li>}
        {visit.checkInFar && <li class="bad">{t('visit.far')}</li>}
        {(visit.missingSteps ?? []).length > 0 && <li class="bad">{t('visit.missing', { steps: (visit.missingSteps ?? []).map((x) => titles.get(x) ?? x).join('、') })}</li>}
        {(visit.stock ?? [])
          .filter((s) => s.belowSafetyStock)
          .map((s) => (
            <li class="bad" key={s.product}>
              {t('visit.belowSafety', { product: s.product, onHand: s.onHand, safety: s.safetyStock ?? '' })}
            </li>
          ))}
      </ul>
      <p>
        <a class="button secondary" href={href('/cm/month', { m: month })}>
          {t('page.cmMonth')}
        </a>{' '}
        <a class="button secondary" href={href('/cm/day', { d: fromCivil(visit.date) })}>
          {t('page.cmDay')}
        </a>
      </p>
    </div>
  );
}
