// Approvals waiting for me (待审批事项): the maker–checker actions every service
// keeps (grade changes, early confirmations and waivers in the roster, closing an
// assessment run, and payroll runs once compensation serves them). The preparer
// may only withdraw their own; a rejection needs a reason.

import { useState } from 'preact/hooks';
import { ApiError, get, post, requestId } from '../api';
import { formatTime } from '../dates';
import { t } from '../i18n';
import type { PageProps } from '../sections';
import type { Approval } from '../types';
import { ActionResult, Async, ErrorBox, Page, idOf, useAction, useAsync, useId } from '../ui';

const SERVICES = ['roster', 'assessment', 'compensation', 'visits'];

interface Found {
  approvals: Approval[];
  failures: { service: string; error: unknown }[];
}

export function Approvals({ session }: PageProps) {
  const [notice, setNotice] = useState(''); // outlives the decided approval's card
  const list = useAsync<Found>(async () => {
    const out: Found = { approvals: [], failures: [] };
    const answers = await Promise.allSettled(
      SERVICES.map((s) => get<{ approvals?: Approval[] }>(`/v1/services/${s}/approvals`, { filter: 'state = PENDING', pageSize: 200 })),
    );
    answers.forEach((a, i) => {
      if (a.status === 'fulfilled') out.approvals.push(...(a.value.approvals ?? []));
      // A service without approvals of its own yet answers 404 or 501: nothing to show.
      else if (!(a.reason instanceof ApiError && [404, 501].includes(a.reason.status))) out.failures.push({ service: SERVICES[i], error: a.reason });
    });
    return out;
  }, []);
  return (
    <Page title={t('page.approvals')}>
      {notice && (
        <p class="notice ok" role="status">
          {notice}
        </p>
      )}
      <Async state={list}>
        {(f) => (
          <>
            {f.failures.map((x) => (
              <ErrorBox key={x.service} error={x.error} />
            ))}
            {f.approvals.length === 0 ? (
              <p class="card">{t('appr.none')}</p>
            ) : (
              <ul class="plans">
                {f.approvals.map((a) => (
                  <ApprovalCard
                    key={a.name}
                    approval={a}
                    mine={a.preparedBy === session.user}
                    onDecided={(msg) => {
                      setNotice(msg);
                      list.reload();
                    }}
                  />
                ))}
              </ul>
            )}
          </>
        )}
      </Async>
    </Page>
  );
}

function ApprovalCard({ approval, mine, onDecided }: { approval: Approval; mine: boolean; onDecided: (notice: string) => void }) {
  const [reason, setReason] = useState('');
  const action = useAction();
  const id = useId('reason');
  const decide = (verb: 'approve' | 'reject' | 'withdraw') =>
    action.run(async () => {
      await post(`/v1/${approval.name}:${verb}`, { etag: approval.etag, reason, requestId: requestId() });
      onDecided(`${t(`appr.${verb}d` as 'appr.approved')} ${approval.summary ?? approval.object ?? ''}`);
    });
  return (
    <li class="card approval-card" data-approval={approval.name}>
      <div class="plan-summary">
        <strong>{approval.summary || approval.action}</strong>
        <span class="muted">{approval.object}</span>
      </div>
      <p class="muted small-text">
        {t('appr.preparedBy', { who: approval.preparedBy ?? '', time: formatTime(approval.prepareTime) })} · {idOf(approval.name.split('/approvals/')[0])}
        {approval.prepareReason ? ` · ${approval.prepareReason}` : ''}
      </p>
      <label for={id}>{t('appr.reason')}</label>
      <input id={id} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <div class="buttons">
        {mine ? (
          <button type="button" class="secondary" onClick={() => decide('withdraw')} disabled={action.busy}>
            {t('appr.withdraw')}
          </button>
        ) : (
          <>
            <button type="button" onClick={() => decide('approve')} disabled={action.busy}>
              {t('appr.approve')}
            </button>
            <button type="button" class="danger" onClick={() => decide('reject')} disabled={action.busy}>
              {t('appr.reject')}
            </button>
          </>
        )}
      </div>
      <ActionResult action={action} />
    </li>
  );
}
