// Assign tasks (工作安排): a task for one manager's month, or one week of it,
// optionally about one customer; it appears in the manager's plan and rolls into
// the next month until done.

import { useState } from 'preact/hooks';
import { get, post, requestId } from '../api';
import { fromCivil, isDate, isMonth, thisMonth, toCivil } from '../dates';
import { t } from '../i18n';
import type { PageProps } from '../sections';
import type { Customer, Task } from '../types';
import { ActionResult, Async, ManagerSelect, Page, idOf, useAction, useAsync, useId } from '../ui';
import { useTeam } from './team';

export function SupTasks({ session }: PageProps) {
  const team = useTeam();
  const tasks = useAsync(
    () => get<{ tasks?: Task[] }>('/v1/managers/-/tasks', { filter: 'done = false', pageSize: 200 }).then((r) => r.tasks ?? []),
    [],
  );
  const members = team.managers.filter((m) => idOf(m.name) !== session.user);
  return (
    <Page title={t('page.supTasks')}>
      <Async state={team.state}>{() => <NewTask managers={members.map((m) => [idOf(m.name), m.displayName ?? idOf(m.name)])} onCreated={tasks.reload} />}</Async>
      <div class="card">
        <h2>{t('task.open')}</h2>
        <Async state={tasks}>
          {(list) =>
            list.length === 0 ? (
              <p class="muted">{t('task.none')}</p>
            ) : (
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">{t('common.manager')}</th>
                    <th scope="col">{t('common.month')}</th>
                    <th scope="col">{t('task.week')}</th>
                    <th scope="col">{t('task.text')}</th>
                    <th scope="col">{t('common.customer')}</th>
                    <th scope="col">{t('task.assignedBy')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((x) => {
                    const mgr = idOf(x.name?.split('/tasks/')[0]);
                    return (
                      <tr key={x.name}>
                        <td>{team.names.get(mgr) ?? mgr}</td>
                        <td>{x.month}</td>
                        <td>{fromCivil(x.week) || '—'}</td>
                        <td>{x.text}</td>
                        <td>{idOf(x.customer) || '—'}</td>
                        <td>{team.names.get(idOf(x.assignedBy)) ?? idOf(x.assignedBy)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )
          }
        </Async>
      </div>
    </Page>
  );
}

function NewTask({ managers, onCreated }: { managers: [string, string][]; onCreated: () => void }) {
  const [manager, setManager] = useState(managers[0]?.[0] ?? '');
  const [month, setMonth] = useState(thisMonth());
  const [week, setWeek] = useState('');
  const [customer, setCustomer] = useState('');
  const [text, setText] = useState('');
  const action = useAction();
  const ids = { manager: useId('mgr'), month: useId('month'), week: useId('week'), customer: useId('cust'), text: useId('text') };
  const customers = useAsync(
    () =>
      manager
        ? get<{ customers?: Customer[] }>('/v1/customers', { filter: `primary_manager = "managers/${manager}"`, pageSize: 200 }).then((r) => r.customers ?? [])
        : Promise.resolve([] as Customer[]),
    [manager],
  );
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const task: Task = { text, month };
      if (isDate(week)) task.week = toCivil(week);
      if (customer) task.customer = customer;
      await post(`/v1/managers/${manager}/tasks`, task, { requestId: requestId() });
      setText('');
      onCreated();
      return t('task.assigned', { who: managers.find((m) => m[0] === manager)?.[1] ?? manager });
    });
  };
  return (
    <form class="card form" onSubmit={submit}>
      <h2>{t('task.new')}</h2>
      <div class="row">
        <div>
          <label for={ids.manager}>{t('common.manager')}</label>
          <ManagerSelect id={ids.manager} managers={managers} value={manager} onChange={(v) => { setManager(v); setCustomer(''); }} />
        </div>
        <div>
          <label for={ids.month}>{t('common.month')}</label>
          <input id={ids.month} type="month" value={month} onChange={(e) => isMonth(e.currentTarget.value) && setMonth(e.currentTarget.value)} />
        </div>
        <div>
          <label for={ids.week}>
            {t('task.week')}
            <span class="muted">{t('common.optional')}</span>
          </label>
          <input id={ids.week} type="date" value={week} onChange={(e) => setWeek(e.currentTarget.value)} />
        </div>
        <div>
          <label for={ids.customer}>
            {t('common.customer')}
            <span class="muted">{t('common.optional')}</span>
          </label>
          <select id={ids.customer} value={customer} onChange={(e) => setCustomer(e.currentTarget.value)}>
            <option value="">{t('common.none')}</option>
            {customers.status === 'ok' &&
              customers.data.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.displayName} ({idOf(c.name)})
                </option>
              ))}
          </select>
        </div>
      </div>
      <label for={ids.text}>{t('task.text')}</label>
      <textarea id={ids.text} rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <div>
        <button type="submit" disabled={action.busy || !manager}>
          {t('task.assign')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}
