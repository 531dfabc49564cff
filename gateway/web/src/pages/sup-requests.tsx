// Overdue customer requests of the supervisor's team; the supervisor may answer.

import { t } from '../i18n';
import type { PageProps } from '../sections';
import { Page } from '../ui';
import { RequestList } from './requests';
import { useTeam } from './team';

export function SupRequests(_: PageProps) {
  const team = useTeam();
  return (
    <Page title={t('page.supRequests')}>
      <RequestList parent="managers/-" filter="state = OVERDUE" showManager managerNames={team.names} empty={t('req.noneOverdue')} />
    </Page>
  );
}
