// Customer requests (客户诉求): online messages routed to a customer's manager,
// who has 24 hours to answer; overdue ones escalate to the supervisors. Shared by
// the manager's page and the supervisor's overdue list.

import { useEffect, useState } from 'preact/hooks';
import { get, post, requestId } from '../api';
import { duration, formatTime } from '../dates';
import { label, t } from '../i18n';
import type { CustomerRequest } from '../types';
import { ActionResult, Async, Badge, idOf, useAction, useAsync, useId } from '../ui';

/** useNow ticks every second, for countdowns. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

export function Countdown({ deadline }: { deadline?: string }) {
  const now = useNow();
  if (!deadline) return null;
  const left = Date.parse(deadline) - now;
  return left >= 0 ? (
    <Badge kind={left < 2 * 3600_000 ? 'warn' : ''}>
      <span class="countdown">{t('req.left', { time: duration(left) })}</span>
    </Badge>
  ) : (
    <Badge kind="bad">
      <span class="countdown">{t('req.overdueBy', { time: duration(-left) })}</span>
    </Badge>
  );
}

export function RequestList({
  parent,
  filter,
  showManager,
  managerNames,
  empty,
}: {
  parent: string;
  filter?: string;
  showManager?: boolean;
  managerNames?: Map<string, string>;
  empty: string;
}) {
  const [notice, setNotice] = useState(''); // outlives the answered request's card
  const list = useAsync(
    () => get<{ requests?: CustomerRequest[] }>(`/v1/${parent}/requests`, { filter, pageSize: 100 }),
    [parent, filter],
  );
  return (
    <Async state={list}>
      {(r) => {
        const all = r.requests ?? [];
        const open = all.filter((x) => x.state !== 'STATE_ANSWERED');
        const answered = all.filter((x) => x.state === 'STATE_ANSWERED');
        return (
          <>
            {notice && (
              <p class="notice ok" role="status">
                {notice}
              </p>
            )}
            {open.length === 0 ? (
              <p class="card">{empty}</p>
            ) : (
              <ul class="requests">
                {open.map((x) => (
                  <RequestCard
                    key={x.name}
                    req={x}
                    showManager={showManager}
                    managerNames={managerNames}
                    onAnswered={(msg) => {
                      setNotice(msg);
                      list.reload();
                    }}
                  />
                ))}
              </ul>
            )}
            {answered.length > 0 && (
              <details class="card">
                <summary>
                  {t('req.answered')} ({answered.length})
                </summary>
                <ul class="plain">
                  {answered.map((x) => (
                    <li key={x.name}>
                      <strong>{x.customerDisplayName || x.customer}</strong>：{x.text} → {x.answer}{' '}
                      <span class="muted">{formatTime(x.answerTime)}</span>
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </>
        );
      }}
    </Async>
  );
}

function RequestCard({
  req,
  showManager,
  managerNames,
  onAnswered,
}: {
  req: CustomerRequest;
  showManager?: boolean;
  managerNames?: Map<string, string>;
  onAnswered: (notice: string) => void;
}) {
  const [answer, setAnswer] = useState('');
  const action = useAction();
  const id = useId('answer');
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      await post(`/v1/${req.name}:answer`, { answer, requestId: requestId() });
      onAnswered(`${t('req.sent')} ${req.customerDisplayName ?? ''}`);
    });
  };
  const manager = req.manager ? managerNames?.get(idOf(req.manager)) || idOf(req.manager) : '';
  return (
    <li class="card request" data-request={req.name}>
      <div class="request-head">
        <strong>{req.customerDisplayName || req.customer}</strong>
        <Badge kind={req.state === 'STATE_OVERDUE' ? 'bad' : 'warn'}>{label('req.state.', req.state)}</Badge>
        <Countdown deadline={req.deadline} />
        {showManager && manager && <span class="muted">{manager}</span>}
      </div>
      <p class="request-text">{req.text}</p>
      <p class="muted small-text">
        {t('req.received')} {formatTime(req.receiveTime)} · {t('req.deadline')} {formatTime(req.deadline)}
        {req.channel ? ` · ${t('req.channel')} ${req.channel}` : ''}
      </p>
      <form class="form inline-form" onSubmit={submit}>
        <label for={id}>{t('req.answer')}</label>
        <textarea id={id} rows={2} value={answer} onInput={(e) => setAnswer(e.currentTarget.value)} />
        <div>
          <button type="submit" disabled={action.busy}>
            {t('req.send')}
          </button>
        </div>
        <ActionResult action={action} />
      </form>
    </li>
  );
}
