// Customers (客户) of the team, and a form to create one for a team member: a
// fresh `make run` has managers but no customers, and the monthly plans are made
// of them.

import { useState } from 'preact/hooks';
import { get, post, requestId } from '../api';
import { label, t } from '../i18n';
import type { PageProps } from '../sections';
import type { Customer } from '../types';
import { ActionResult, Async, ManagerSelect, Page, idOf, useAction, useAsync, useId } from '../ui';
import { useTeam } from './team';

const KINDS = ['KIND_RETAIL_OUTLET', 'KIND_INDIVIDUAL', 'KIND_CORPORATE'];
const AREAS = ['AREA_TYPE_URBAN', 'AREA_TYPE_TOWN', 'AREA_TYPE_VILLAGE'];
const CLASSES = ['A', 'B', 'C', 'D'];

export function SupCustomers(_: PageProps) {
  const team = useTeam();
  const list = useAsync(() => get<{ customers?: Customer[] }>('/v1/customers', { pageSize: 200 }).then((r) => r.customers ?? []), []);
  return (
    <Page title={t('page.supCustomers')}>
      <Async state={team.state}>
        {(managers) => <NewCustomer managers={managers.map((m) => [idOf(m.name), m.displayName ?? idOf(m.name)])} onCreated={list.reload} />}
      </Async>
      <div class="card">
        <h2>{t('cust.list')}</h2>
        <Async state={list}>
          {(cs) =>
            cs.length === 0 ? (
              <p class="muted">{t('cust.none')}</p>
            ) : (
              <div class="table-wrap">
                <table class="data">
                  <thead>
                    <tr>
                      <th scope="col">{t('cust.id')}</th>
                      <th scope="col">{t('cust.name')}</th>
                      <th scope="col">{t('cust.kind')}</th>
                      <th scope="col">{t('cust.classification')}</th>
                      <th scope="col">{t('cust.areaType')}</th>
                      <th scope="col">{t('cust.address')}</th>
                      <th scope="col">{t('cust.primary')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {cs.map((c) => (
                      <tr key={c.name}>
                        <td>{idOf(c.name)}</td>
                        <td>{c.displayName}</td>
                        <td>{label('custkind.', c.kind)}</td>
                        <td>{c.classification || '—'}</td>
                        <td>{label('area.', c.areaType)}</td>
                        <td>{c.address || '—'}</td>
                        <td>{team.names.get(idOf(c.primaryManager)) ?? idOf(c.primaryManager)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Async>
      </div>
    </Page>
  );
}

function NewCustomer({ managers, onCreated }: { managers: [string, string][]; onCreated: () => void }) {
  const [f, setF] = useState({
    id: '', name: '', kind: KINDS[0], classification: 'B', area: AREAS[0], address: '', lat: '', lng: '',
    manager: managers[0]?.[0] ?? '',
  });
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const action = useAction();
  const ids = {
    id: useId('cid'), name: useId('cname'), kind: useId('ckind'), cls: useId('ccls'), area: useId('carea'),
    address: useId('caddr'), lat: useId('clat'), lng: useId('clng'), manager: useId('cmgr'),
  };
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const c: Omit<Customer, 'name'> = {
        displayName: f.name,
        kind: f.kind,
        classification: f.classification,
        areaType: f.area,
        address: f.address,
        primaryManager: f.manager ? `managers/${f.manager}` : '',
      };
      if (f.lat !== '' && f.lng !== '') c.location = { latitude: Number(f.lat), longitude: Number(f.lng) };
      await post('/v1/customers', c, { customerId: f.id, requestId: requestId() });
      onCreated();
      const name = f.name;
      setF({ ...f, id: '', name: '', address: '', lat: '', lng: '' });
      return t('cust.created', { name });
    });
  };
  return (
    <form class="card form" onSubmit={submit}>
      <h2>{t('cust.new')}</h2>
      <div class="row">
        <div>
          <label for={ids.id}>{t('cust.id')}</label>
          <input id={ids.id} value={f.id} onInput={set('id')} autoComplete="off" />
        </div>
        <div>
          <label for={ids.name}>{t('cust.name')}</label>
          <input id={ids.name} value={f.name} onInput={set('name')} />
        </div>
        <div>
          <label for={ids.manager}>{t('cust.primary')}</label>
          <ManagerSelect id={ids.manager} managers={managers} value={f.manager} onChange={(v) => setF({ ...f, manager: v })} />
        </div>
      </div>
      <div class="row">
        <div>
          <label for={ids.kind}>{t('cust.kind')}</label>
          <select id={ids.kind} value={f.kind} onChange={set('kind')}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {label('custkind.', k)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for={ids.cls}>{t('cust.classification')}</label>
          <select id={ids.cls} value={f.classification} onChange={set('classification')}>
            {CLASSES.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for={ids.area}>{t('cust.areaType')}</label>
          <select id={ids.area} value={f.area} onChange={set('area')}>
            {AREAS.map((k) => (
              <option key={k} value={k}>
                {label('area.', k)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <label for={ids.address}>{t('cust.address')}</label>
      <input id={ids.address} value={f.address} onInput={set('address')} />
      <div class="row">
        <div>
          <label for={ids.lat}>
            {t('visit.lat')}
            <span class="muted">{t('common.optional')}</span>
          </label>
          <input id={ids.lat} inputMode="decimal" value={f.lat} onInput={set('lat')} />
        </div>
        <div>
          <label for={ids.lng}>
            {t('visit.lng')}
            <span class="muted">{t('common.optional')}</span>
          </label>
          <input id={ids.lng} inputMode="decimal" value={f.lng} onInput={set('lng')} />
        </div>
      </div>
      <div>
        <button type="submit" disabled={action.busy}>
          {t('cust.create')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}
