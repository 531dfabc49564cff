// The manager's customer requests with their 24-hour countdown.

import { t } from '../i18n';
import type { PageProps } from '../sections';
import { Page } from '../ui';
import { RequestList } from './requests';

export function CmRequests({ session }: PageProps) {
  return (
    <Page title={t('page.cmRequests')}>
      <RequestList parent={`managers/${session.user}`} empty={t('req.none')} />
    </Page>
  );
}
