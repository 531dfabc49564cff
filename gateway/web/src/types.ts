// The shapes of the REST answers the console reads (proto3 JSON: camelCase names,
// enums as their names, unset fields left out). Only the fields used are listed;
// proto/openapi/rmsuite.swagger.json is the full contract.

import type { Money } from './money';

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export interface LatLng {
  latitude?: number;
  longitude?: number;
}

export interface PlanItem {
  id: string;
  kind?: string;
  source?: string;
  customer?: string;
  customerDisplayName?: string;
  actions?: string[];
  plannedDate?: CivilDate;
  method?: string;
  carryCount?: number;
  task?: string;
  status?: string;
  doneDate?: CivilDate;
  slot?: string;
  routeOrder?: number;
  scheduled?: boolean;
  unscheduledReason?: string;
}

export interface MonthResults {
  state?: string;
  evaluation?: string;
  improvement?: string;
  linesDone?: number;
  linesTotal?: number;
  submitTime?: string;
  reviewComment?: string;
  reviewedBy?: string;
}

export interface Plan {
  name: string;
  manager?: string;
  month?: string;
  state?: string;
  items?: PlanItem[];
  note?: string;
  reviewComment?: string;
  submitTime?: string;
  etag?: string;
  orgUnit?: string;
  results?: MonthResults;
}

export interface PlanDiff {
  added?: PlanItem[];
  removed?: PlanItem[];
  changed?: PlanItem[];
  generated?: PlanItem[];
}

export interface Stop {
  routeOrder?: number;
  planItem?: string;
  kind?: string;
  customer?: string;
  customerDisplayName?: string;
  address?: string;
  location?: LatLng;
  method?: string;
  slot?: string;
  actions?: string[];
  status?: string;
  carryCount?: number;
}

export interface DayList {
  name: string;
  date?: CivilDate;
  dayKind?: string;
  dayNote?: string;
  plan?: string;
  planState?: string;
  startAddress?: string;
  stops?: Stop[];
  routeLengthMeters?: number;
}

export interface ChecklistStep {
  code: string;
  title?: string;
  required?: boolean;
}

export interface VisitSettings {
  checkInRadiusMeters?: number;
  checklists?: { customerKind?: string; steps?: ChecklistStep[] }[];
}

export interface StockLine {
  product: string;
  highMargin?: boolean;
  onHand: string;
  averageSalesPerCycle: string;
  safetyStock?: string;
  belowSafetyStock?: boolean;
}

export interface Visit {
  name?: string;
  customer: string;
  date: CivilDate;
  method?: string;
  checkInTime?: string;
  checkInLocation?: LatLng;
  steps?: string[];
  notes?: string;
  checkInDistanceMeters?: number;
  checkInFar?: boolean;
  missingSteps?: string[];
  findings?: string[];
  stock?: StockLine[];
  needs?: string;
  complaints?: string;
  nextActions?: string[];
}

export interface Customer {
  name: string;
  displayName?: string;
  kind?: string;
  classification?: string;
  address?: string;
  location?: LatLng;
  areaType?: string;
  primaryManager?: string;
  orgUnit?: string;
}

export interface CustomerRequest {
  name: string;
  customer?: string;
  customerDisplayName?: string;
  manager?: string;
  channel?: string;
  text?: string;
  receiveTime?: string;
  deadline?: string;
  state?: string;
  answer?: string;
  answeredBy?: string;
  answerTime?: string;
}

export interface Task {
  name?: string;
  text: string;
  month: string;
  week?: CivilDate;
  customer?: string;
  assignedBy?: string;
  done?: boolean;
}

export interface Rate {
  numerator?: number;
  denominator?: number;
  value?: string;
}

export interface ManagerIndicators {
  manager: string;
  period?: string;
  planCompletion?: Rate;
  onTimeVisits?: Rate;
  dueCoverage?: Rate;
  response24h?: Rate;
  visits?: number;
}

export interface Grade {
  ladder?: string;
  level?: string;
  band?: string;
  displayName?: string;
  staffGrade?: number;
  effectiveDate?: CivilDate;
}

export interface Manager {
  name: string;
  displayName?: string;
  gender?: string;
  hireDate?: CivilDate;
  orgUnit?: string;
  post?: string;
  line?: string;
  category?: string;
  employmentType?: string;
  supervisor?: string;
  grade?: Grade;
  status?: string;
  statusDate?: CivilDate;
  qualifications?: { kind?: string; number?: string; issueDate?: CivilDate; expiryDate?: CivilDate }[];
}

export interface HistoryEntry {
  kind?: string;
  effectiveDate?: CivilDate;
  orgUnit?: string;
  post?: string;
  line?: string;
  supervisor?: string;
  grade?: Grade;
  status?: string;
  reason?: string;
  /** What the change rests on, e.g. the grade decision that made it. */
  reference?: string;
  recordedBy?: string;
}

export interface OrgUnit {
  name: string;
  displayName?: string;
  type?: string;
  parent?: string;
}

export interface GradeLadder {
  name: string;
  displayName?: string;
  default?: boolean;
  levels?: { code: string; displayName?: string; targetShare?: string }[];
}

export interface GradeDistribution {
  ladder?: string;
  orgUnit?: string;
  total?: number;
  levels?: {
    level?: string;
    displayName?: string;
    count?: number;
    share?: string;
    targetShare?: string;
    targetCount?: number;
    bands?: Record<string, number>;
  }[];
}

export interface DevUser {
  user: string;
  name: string;
  roles: string[];
  orgUnit: string;
}

export interface Run {
  name: string;
  orgUnit?: string;
  period?: string;
  state?: string;
  scoreCards?: number;
  incomplete?: number;
  skipped?: { manager?: string; reason?: string }[];
  createdBy?: string;
  computeTime?: string;
  closePreparedBy?: string;
  closedBy?: string;
  closeApproval?: string;
  etag?: string;
}

export interface ScoreCardLine {
  indicator?: string;
  displayName?: string;
  part?: string;
  weight?: string;
  status?: string;
  value?: string;
  unit?: string;
  source?: string;
  rule?: string;
  points?: string;
  detail?: string;
  explanation?: string;
}

export interface ScoreCard {
  name: string;
  manager?: string;
  period?: string;
  orgUnit?: string;
  level?: string;
  template?: string;
  lines?: ScoreCardLine[];
  parts?: { part?: string; weight?: string; points?: string }[];
  sum?: string;
  total?: string;
  coefficient?: string;
  coefficientDetail?: string;
  pending?: string[];
  complete?: boolean;
  explanation?: string;
  closed?: boolean;
}

export interface Approval {
  name: string;
  action?: string;
  object?: string;
  summary?: string;
  state?: string;
  preparedBy?: string;
  prepareTime?: string;
  prepareReason?: string;
  etag?: string;
}

export interface PayrollRun {
  name: string;
  period?: string;
  orgUnit?: string;
  state?: string;
  computation?: { state?: string; percentDone?: number; phase?: string; total?: number; error?: string; changedPayslips?: number };
  payslipCount?: number;
  grossTotal?: Money;
  deductionsTotal?: Money;
  netTotal?: Money;
  warningCount?: number;
  approval?: string;
  rejectionReason?: string;
  createdBy?: string;
  submittedBy?: string;
  approvedBy?: string;
  lockTime?: string;
  etag?: string;
}

export interface PayslipLine {
  code?: string;
  displayName?: string;
  kind?: string;
  amount?: Money;
  formula?: string;
  inputs?: { name?: string; value?: string; source?: string; description?: string }[];
  note?: string;
}

export interface Payslip {
  name: string;
  manager?: string;
  managerDisplayName?: string;
  period?: string;
  grade?: string;
  trainee?: boolean;
  supervisor?: boolean;
  lines?: PayslipLine[];
  gross?: Money;
  deductions?: Money;
  net?: Money;
  warnings?: string[];
  runState?: string;
}

export interface RatingsAnswer {
  ratings?: number;
  scoreCards?: { name: string; total?: string; coefficient?: string; complete?: boolean }[];
  run?: Run;
}

export interface GradeStep {
  ladder?: string;
  level?: string;
  band?: string;
  displayName?: string;
}

export interface RequirementCheck {
  requirement?: string;
  measure?: string;
  value?: string;
  met?: boolean;
}

export interface DecisionRound {
  name: string;
  orgUnit?: string;
  period?: string;
  ladder?: string;
  state?: string;
  approval?: string;
  decisions?: number;
  moves?: number;
  skipped?: { manager?: string; reason?: string }[];
  effectiveDate?: CivilDate;
  createdBy?: string;
  computeTime?: string;
  submittedBy?: string;
  approvedBy?: string;
  approveTime?: string;
  etag?: string;
}

export interface GradeDecision {
  name: string;
  manager?: string;
  period?: string;
  orgUnit?: string;
  from?: GradeStep;
  to?: GradeStep;
  kind?: string;
  exceptional?: boolean;
  approvalRef?: string;
  promotions?: { target?: GradeStep; exceptional?: boolean; checks?: RequirementCheck[]; met?: boolean }[];
  maintenance?: RequirementCheck[];
  quota?: { level?: string; share?: string; population?: number; limit?: number; holding?: number; ranked?: number; rank?: number; score?: string; moved?: boolean };
  reasons?: string[];
  explanation?: string;
  score?: string;
  delivery?: string;
  effectiveDate?: CivilDate;
  deliveryError?: string;
  appliedTime?: string;
  revision?: number;
}

export interface Assessment {
  name: string;
  orgUnit?: string;
  period?: string;
  kind?: string;
  results?: number;
  incomplete?: number;
  skipped?: { manager?: string; reason?: string }[];
  createdBy?: string;
  computeTime?: string;
  etag?: string;
}

export interface AssessmentResult {
  name: string;
  manager?: string;
  period?: string;
  orgUnit?: string;
  monthly?: { period?: string; total?: string; scoreCard?: string }[];
  preAssessment?: boolean;
  score?: string;
  detail?: string;
  annualSummary?: string;
  selfEvaluation?: string;
  committeeRating?: string;
  additionalScore?: string;
  additionalDetail?: string;
  complete?: boolean;
}

export interface PayConfig {
  name: string;
  effectiveDate?: CivilDate;
  description?: string;
  standard?: Money;
  gradeRates?: { ladder: string; level: string; band?: string; baseFactor: string; performanceFactor?: string }[];
  parameters?: { name: string; unit?: string; value: string; description?: string }[];
  components?: { code: string; displayName: string; kind?: string; eligibility?: string; formula: string }[];
  commissionRules?: { code: string; displayName: string; rate: string; threshold: string }[];
  regionClasses?: { orgUnit: string; displayName?: string; coefficient: string }[];
  supervisorPosts?: string[];
  supervisorLevels?: string[];
  revision?: string | number;
  etag?: string;
  createTime?: string;
  updateTime?: string;
  updatedBy?: string;
}

export interface FormulaInput {
  name?: string;
  unit?: string;
  description?: string;
  source?: string;
}

export interface PayInput {
  name?: string;
  manager: string;
  period: string;
  kind: string;
  code?: string;
  contract?: string;
  value: string;
  referenceRun?: string;
  description?: string;
  source?: string;
  createTime?: string;
  createdBy?: string;
}

export interface Appeal {
  name: string;
  /** runs/{run}/scoreCards/{id} or decisionRounds/{round}/decisions/{id}. */
  subject?: string;
  reason?: string;
  manager?: string;
  state?: string;
  published?: CivilDate;
  deadline?: CivilDate;
  decidedBy?: string;
  decision?: string;
  amendment?: {
    values?: { indicator?: string; value?: string; previousValue?: string }[];
    grade?: GradeStep;
    revision?: number;
    previousTotal?: string;
    result?: string;
  };
  history?: { from?: string; to?: string; by?: string; time?: string; comment?: string }[];
  createTime?: string;
  updateTime?: string;
}

export interface EarlyDemotion {
  name: string;
  manager?: string;
  kind?: string;
  reason?: string;
  effectiveDate?: CivilDate;
  from?: GradeStep;
  to?: GradeStep;
  state?: string;
  approval?: string;
  proposedBy?: string;
  createTime?: string;
  decidedBy?: string;
  delivery?: string;
  deliveryError?: string;
  appliedTime?: string;
}
