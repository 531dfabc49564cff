// The console's sections: one entry per page, with the roles that see it and the
// navigation group it sits in. A new screen is a page component and one entry
// here.

import type { VNode } from 'preact';
import type { MsgKey } from './i18n';
import type { Route } from './router';
import type { Role, Session } from './session';
import { CmMonth } from './pages/cm-month';
import { CmDay } from './pages/cm-day';
import { CmVisit } from './pages/cm-visit';
import { CmRequests } from './pages/cm-requests';
import { SupPlans } from './pages/sup-plans';
import { SupTasks } from './pages/sup-tasks';
import { SupIndicators } from './pages/sup-indicators';
import { SupRequests } from './pages/sup-requests';
import { SupCustomers } from './pages/sup-customers';
import { HrRoster } from './pages/hr-roster';
import { HrManager } from './pages/hr-manager';
import { HrGrades } from './pages/hr-grades';
import { CmScores } from './pages/cm-scores';
import { AssessRuns } from './pages/assess-runs';
import { Approvals } from './pages/approvals';
import { Payroll } from './pages/payroll';
import { CmPayslips } from './pages/cm-payslips';
import { SupRatings } from './pages/sup-ratings';
import { AssessCycles } from './pages/assess-cycles';
import { AssessDecisions } from './pages/assess-decisions';
import { PayConfigs } from './pages/pay-config';
import { PayInputs } from './pages/pay-inputs';
import { Appeals } from './pages/appeals';
import { EarlyDemotions } from './pages/early-demotions';

export interface PageProps {
  session: Session;
  route: Route;
  /** Path parameters, e.g. id of /hr/managers/:id. */
  params: Record<string, string>;
}

export type Group = 'inbox' | 'cm' | 'sup' | 'hr' | 'assess' | 'pay' | 'tools';

export interface Section {
  path: string;
  group: Group;
  title: MsgKey;
  roles: readonly Role[];
  /** Listed in the navigation (detail pages are reached from lists). */
  nav: boolean;
  render?: (p: PageProps) => VNode;
  /** A separate page of the gateway instead of a console route. */
  href?: string;
}

const people: readonly Role[] = ['customer_manager', 'supervisor', 'branch_head', 'hr_officer', 'committee', 'administrator'];
const teamLeads: readonly Role[] = ['supervisor', 'branch_head'];
const rosterReaders: readonly Role[] = ['hr_officer', 'committee', 'administrator', 'branch_head'];
const checkers: readonly Role[] = ['supervisor', 'branch_head', 'hr_officer', 'committee', 'administrator'];
const assessors: readonly Role[] = ['hr_officer', 'committee', 'branch_head'];

export const groups: { id: Group; title: MsgKey }[] = [
  { id: 'inbox', title: 'nav.inbox' },
  { id: 'cm', title: 'nav.cm' },
  { id: 'sup', title: 'nav.sup' },
  { id: 'hr', title: 'nav.hr' },
  { id: 'assess', title: 'nav.assess' },
  { id: 'pay', title: 'nav.pay' },
  { id: 'tools', title: 'nav.tools' },
];

export const sections: Section[] = [
  { path: '/cm/month', group: 'cm', title: 'page.cmMonth', roles: ['customer_manager'], nav: true, render: CmMonth },
  { path: '/cm/day', group: 'cm', title: 'page.cmDay', roles: ['customer_manager'], nav: true, render: CmDay },
  { path: '/cm/visit', group: 'cm', title: 'page.cmVisit', roles: ['customer_manager'], nav: true, render: CmVisit },
  { path: '/cm/requests', group: 'cm', title: 'page.cmRequests', roles: ['customer_manager'], nav: true, render: CmRequests },
  { path: '/cm/scores', group: 'cm', title: 'page.cmScores', roles: ['customer_manager'], nav: true, render: CmScores },
  { path: '/cm/payslips', group: 'cm', title: 'page.cmPayslips', roles: ['customer_manager'], nav: true, render: CmPayslips },

  { path: '/sup/plans', group: 'sup', title: 'page.supPlans', roles: teamLeads, nav: true, render: SupPlans },
  { path: '/sup/ratings', group: 'sup', title: 'page.supRatings', roles: teamLeads, nav: true, render: SupRatings },
  { path: '/sup/tasks', group: 'sup', title: 'page.supTasks', roles: teamLeads, nav: true, render: SupTasks },
  { path: '/sup/indicators', group: 'sup', title: 'page.supIndicators', roles: teamLeads, nav: true, render: SupIndicators },
  { path: '/sup/requests', group: 'sup', title: 'page.supRequests', roles: teamLeads, nav: true, render: SupRequests },
  { path: '/sup/customers', group: 'sup', title: 'page.supCustomers', roles: [...teamLeads, 'administrator'], nav: true, render: SupCustomers },

  { path: '/hr/roster', group: 'hr', title: 'page.hrRoster', roles: rosterReaders, nav: true, render: HrRoster },
  { path: '/hr/managers/:id', group: 'hr', title: 'page.hrManager', roles: [...rosterReaders, 'supervisor'], nav: false, render: HrManager },
  { path: '/hr/grades', group: 'hr', title: 'page.hrGrades', roles: rosterReaders, nav: true, render: HrGrades },

  { path: '/assess/runs', group: 'assess', title: 'page.assessRuns', roles: assessors, nav: true, render: AssessRuns },
  { path: '/assess/cycles', group: 'assess', title: 'page.assessCycles', roles: assessors, nav: true, render: AssessCycles },
  { path: '/assess/decisions', group: 'assess', title: 'page.assessDecisions', roles: assessors, nav: true, render: AssessDecisions },
  { path: '/assess/appeals', group: 'assess', title: 'page.appeals', roles: ['customer_manager', ...assessors, 'supervisor'], nav: true, render: Appeals },
  { path: '/assess/early-demotions', group: 'assess', title: 'page.earlyDemotions', roles: [...teamLeads, 'hr_officer', 'committee'], nav: true, render: EarlyDemotions },
  { path: '/pay/runs', group: 'pay', title: 'page.payroll', roles: ['hr_officer', 'branch_head', 'committee'], nav: true, render: Payroll },
  { path: '/pay/inputs', group: 'pay', title: 'page.payInputs', roles: ['hr_officer'], nav: true, render: PayInputs },
  { path: '/pay/configs', group: 'pay', title: 'page.payConfigs', roles: ['hr_officer', 'committee', 'administrator'], nav: true, render: PayConfigs },

  { path: '/approvals', group: 'inbox', title: 'page.approvals', roles: checkers, nav: true, render: Approvals },

  { path: '/explorer', group: 'tools', title: 'page.explorer', roles: people, nav: true, href: '/explorer' },
];

export function visibleSections(s: Session): Section[] {
  return sections.filter((x) => x.roles.some((r) => s.roles.includes(r)));
}
