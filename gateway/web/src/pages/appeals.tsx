// Appeals (申诉): a customer manager contests their own final result — a closed
// monthly score card or an approved grade decision — within the window (15 days
// after publication by default), and may withdraw it until it is decided. The
// assessment committee reads the result under appeal and upholds the appeal,
// amending the result (corrected indicator values rescore the card as a new
// revision that compensation reads; a corrected grade goes to the roster), or
// rejects it; both need a comment and are kept in the appeal's history.

import { useState } from 'preact/hooks';
import { get, post, requestId } from '../api';
import { formatTime, fromCivil } from '../dates';
import { label, t } from '../i18n';
import type { PageProps } from '../sections';
import type { Session } from '../session';
import type { Appeal, DecisionRound, GradeDecision, GradeLadder, ScoreCard } from '../types';
import { ActionResult, Async, Badge, Page, idOf, useAction, useAsync, useId } from '../ui';
import { ScoreCardView } from './cm-scores';
import { useTeam } from './team';

const open = (a: Appeal) => a.state === 'STATE_FILED' || a.state === 'STATE_UNDER_REVIEW';
const stateKind: Record<string, string> = { STATE_UPHELD: 'ok', STATE_REJECTED: 'bad', STATE_WITHDRAWN: '', STATE_FILED: 'warn', STATE_UNDER_REVIEW: 'warn' };
const isCard = (subject: string | undefined) => (subject ?? '').includes('/scoreCards/');

export function Appeals({ session, route }: PageProps) {
  const canFile = session.roles.includes('customer_manager');
  const canDecide = session.roles.includes('committee');
  const [show, setShow] = useState<'open' | 'all'>(canDecide && !canFile ? 'open' : 'all');
  const [notice, setNotice] = useState('');
  const team = useTeam();
  // Indicator names for the corrected values (codes if they cannot be read).
  const indicators = useAsync(
    () =>
      get<{ indicators?: { name: string; displayName?: string }[] }>('/v1/indicators', { pageSize: 1000 })
        .then((r) => new Map((r.indicators ?? []).map((i) => [i.name, i.displayName ?? idOf(i.name)])))
        .catch(() => new Map<string, string>()),
    [],
  );
  const list = useAsync(
    () =>
      get<{ appeals?: Appeal[] }>('/v1/appeals', {
        pageSize: 200,
        filter: show === 'open' ? 'state = STATE_FILED OR state = STATE_UNDER_REVIEW' : undefined,
      }).then((r) => r.appeals ?? []),
    [show],
  );
  const showId = useId('show');
  return (
    <Page title={t('page.appeals')}>
      <p class="muted">{t(canFile ? 'appeal.introCm' : 'appeal.intro')}</p>
      {canFile && <FileAppeal session={session} preset={route.params.get('subject') ?? ''} onFiled={list.reload} />}
      {notice && (
        <p class="notice ok" role="status">
          {notice}
        </p>
      )}
      <div class="toolbar">
        <label for={showId}>{t('appeal.show')}</label>
        <select id={showId} value={show} onChange={(e) => setShow(e.currentTarget.value as 'open' | 'all')}>
          <option value="open">{t('appeal.showOpen')}</option>
          <option value="all">{t('common.all')}</option>
        </select>
      </div>
      <Async state={list}>
        {(as) =>
          as.length === 0 ? (
            <p class="card">{t(show === 'open' ? 'appeal.noneOpen' : 'appeal.none')}</p>
          ) : (
            <ul class="plans">
              {as.map((a) => (
                <AppealCard
                  key={a.name}
                  appeal={a}
                  session={session}
                  who={team.names.get(idOf(a.manager)) ?? idOf(a.manager)}
                  indicators={indicators.status === 'ok' ? indicators.data : new Map()}
                  onChanged={async (msg) => {
                    await list.reload();
                    setNotice(msg);
                  }}
                />
              ))}
            </ul>
          )
        }
      </Async>
    </Page>
  );
}

interface Subject {
  name: string;
  text: string;
}

/** mySubjects lists the caller's results that can be appealed: closed score cards and decisions of approved rounds. */
async function mySubjects(user: string): Promise<Subject[]> {
  const manager = `managers/${user}`;
  const [cards, decisions, rounds] = await Promise.all([
    get<{ scoreCards?: ScoreCard[] }>('/v1/runs/-/scoreCards', { filter: `manager = "${manager}"`, orderBy: 'period desc', pageSize: 24 }),
    get<{ decisions?: GradeDecision[] }>('/v1/decisionRounds/-/decisions', { filter: `manager = "${manager}"`, pageSize: 50 }),
    get<{ decisionRounds?: DecisionRound[] }>('/v1/decisionRounds', { pageSize: 200 }),
  ]);
  const approved = new Set((rounds.decisionRounds ?? []).filter((r) => r.state === 'STATE_APPROVED').map((r) => r.name));
  const out: Subject[] = [];
  for (const c of cards.scoreCards ?? []) {
    if (c.closed) out.push({ name: c.name, text: t('appeal.subjectCard', { period: c.period ?? '', total: c.total ?? '—' }) });
  }
  for (const d of decisions.decisions ?? []) {
    if (!approved.has(d.name.split('/decisions/')[0])) continue;
    out.push({
      name: d.name,
      text: t('appeal.subjectDecision', { period: d.period ?? '', kind: label('dec.kind.', d.kind), grade: d.to?.displayName ?? d.to?.level ?? '' }),
    });
  }
  return out;
}

function FileAppeal({ session, preset, onFiled }: { session: Session; preset: string; onFiled: () => Promise<void> }) {
  const subjects = useAsync(() => mySubjects(session.user), [session.user]);
  return (
    <Async state={subjects}>
      {(list) => (list.length === 0 ? <p class="card">{t('appeal.nothingToAppeal')}</p> : <FileForm subjects={list} preset={preset} onFiled={onFiled} />)}
    </Async>
  );
}

function FileForm({ subjects, preset, onFiled }: { subjects: Subject[]; preset: string; onFiled: () => Promise<void> }) {
  const [subject, setSubject] = useState(subjects.some((s) => s.name === preset) ? preset : subjects[0].name);
  const [reason, setReason] = useState('');
  const action = useAction();
  const ids = { subject: useId('subject'), reason: useId('reason'), hint: useId('hint') };
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const a = await post<Appeal>('/v1/appeals', { subject, reason: reason.trim() }, { requestId: requestId() });
      setReason('');
      await onFiled();
      return t('appeal.filed', { deadline: fromCivil(a.deadline) });
    });
  };
  return (
    <form class="card form file-appeal" onSubmit={submit}>
      <h2>{t('appeal.new')}</h2>
      <label for={ids.subject}>{t('appeal.subject')}</label>
      <select id={ids.subject} value={subject} onChange={(e) => setSubject(e.currentTarget.value)}>
        {subjects.map((s) => (
          <option key={s.name} value={s.name}>
            {s.text}
          </option>
        ))}
      </select>
      <label for={ids.reason}>{t('appeal.reason')}</label>
      <textarea id={ids.reason} rows={3} value={reason} aria-describedby={ids.hint} onInput={(e) => setReason(e.currentTarget.value)} />
      <p id={ids.hint} class="muted small-text">
        {t('appeal.reasonHint')}
      </p>
      <div>
        <button type="submit" disabled={action.busy}>
          {t('appeal.file')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}

function AppealCard({
  appeal,
  session,
  who,
  indicators,
  onChanged,
}: {
  appeal: Appeal;
  session: Session;
  who: string;
  indicators: Map<string, string>;
  onChanged: (msg: string) => Promise<void>;
}) {
  const [expanded, setExpanded] = useState(false);
  const mine = idOf(appeal.manager) === session.user;
  const canDecide = session.roles.includes('committee') && !mine && open(appeal);
  const withdraw = useAction();
  const am = appeal.amendment;
  return (
    <li class="card appeal-card" data-appeal={appeal.name}>
      <div class="plan-summary">
        <strong>{who}</strong>
        <span>{isCard(appeal.subject) ? t('appeal.kindCard') : t('appeal.kindDecision')}</span>
        <code class="small-text">{appeal.subject}</code>
        <Badge kind={stateKind[appeal.state ?? '']}>{label('appeal.state.', appeal.state)}</Badge>
      </div>
      <p>
        <span class="muted">{t('appeal.reason')}：</span>
        {appeal.reason}
      </p>
      <p class="muted small-text">
        {t('appeal.window', { published: fromCivil(appeal.published), deadline: fromCivil(appeal.deadline) })} · {formatTime(appeal.createTime)}
      </p>
      {appeal.decision && (
        <p>
          <span class="muted">{t('appeal.decision', { who: appeal.decidedBy ?? '' })}：</span>
          {appeal.decision}
        </p>
      )}
      {am && (
        <div class="amendment">
          <p>
            {t('appeal.amended', { revision: am.revision ?? 0 })}
            {am.previousTotal ? ` ${t('appeal.totalChange', { before: am.previousTotal, after: am.result ?? '' })}` : am.result ? ` ${t('appeal.gradeChange', { grade: am.result })}` : ''}
          </p>
          {(am.values ?? []).length > 0 && (
            <ul class="plain small-text">
              {(am.values ?? []).map((v) => (
                <li key={v.indicator}>
                  {indicators.get(v.indicator ?? '') ?? idOf(v.indicator)}：{v.previousValue || '—'} → {v.value}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div class="buttons">
        <button type="button" class="secondary" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
          {expanded ? t('common.close') : t('appeal.open')}
        </button>
        {mine && open(appeal) && (
          <button
            type="button"
            class="secondary"
            disabled={withdraw.busy}
            onClick={() =>
              withdraw.run(async () => {
                await post(`/v1/${appeal.name}:withdraw`, { requestId: requestId() });
                await onChanged(t('appeal.withdrawn'));
              })
            }
          >
            {t('appeal.withdraw')}
          </button>
        )}
      </div>
      <ActionResult action={withdraw} />
      {expanded && (
        <>
          <History appeal={appeal} />
          <SubjectView subject={appeal.subject ?? ''} />
        </>
      )}
      {canDecide && <Decide appeal={appeal} onDecided={onChanged} />}
    </li>
  );
}

function History({ appeal }: { appeal: Appeal }) {
  return (
    <ol class="plain small-text history-steps">
      {(appeal.history ?? []).map((h, i) => (
        <li key={i}>
          {formatTime(h.time)} · {h.by} · {label('appeal.state.', h.to)}
          {h.comment ? `：${h.comment}` : ''}
        </li>
      ))}
    </ol>
  );
}

/** SubjectView shows the result under appeal: the score card with its lines, or the decision. */
function SubjectView({ subject }: { subject: string }) {
  const state = useAsync(() => get<ScoreCard & GradeDecision>(`/v1/${subject}`), [subject]);
  return (
    <Async state={state}>
      {(x) =>
        isCard(subject) ? (
          <ScoreCardView card={x as ScoreCard} />
        ) : (
          <div class="card">
            <p>
              {label('dec.kind.', x.kind)}：{x.from?.displayName ?? x.from?.level} → {x.to?.displayName ?? x.to?.level}
              {x.score ? ` · ${t('dec.score')} ${x.score}` : ''}
            </p>
            {(x.reasons ?? []).length > 0 && (
              <ul class="plain small-text">
                {(x.reasons ?? []).map((r, i) => (
                  <li key={i}>{r}</li>
                ))}
              </ul>
            )}
          </div>
        )
      }
    </Async>
  );
}

function Decide({ appeal, onDecided }: { appeal: Appeal; onDecided: (msg: string) => Promise<void> }) {
  const [outcome, setOutcome] = useState<'OUTCOME_UPHELD' | 'OUTCOME_REJECTED'>('OUTCOME_REJECTED');
  const [comment, setComment] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [level, setLevel] = useState('');
  const [band, setBand] = useState('');
  const action = useAction();
  const card = isCard(appeal.subject);
  const upheld = outcome === 'OUTCOME_UPHELD';
  // The result is read only to amend it: a page of open appeals loads nothing more.
  const subject = useAsync(
    () => (upheld ? get<ScoreCard & GradeDecision>(`/v1/${appeal.subject}`) : Promise.resolve(null)),
    [appeal.subject, upheld],
  );
  const ladderName = subject.status === 'ok' && subject.data ? (subject.data.to?.ladder ?? subject.data.from?.ladder ?? '') : '';
  const ladder = useAsync(
    () => (!card && ladderName ? get<GradeLadder>(`/v1/${ladderName}`) : Promise.resolve(null as GradeLadder | null)),
    [card, ladderName],
  );
  const ids = { outcome: useId('outcome'), comment: useId('comment'), level: useId('level'), band: useId('band') };
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const body: Record<string, unknown> = { outcome, comment: comment.trim(), requestId: requestId() };
      if (upheld) {
        body.amendment = card
          ? { values: Object.entries(values).filter(([, v]) => v.trim() !== '').map(([indicator, value]) => ({ indicator, value: value.trim() })) }
          : { grade: { level, band: band.trim() || undefined } };
      }
      await post(`/v1/${appeal.name}:decide`, body);
      await onDecided(t(upheld ? 'appeal.upheld' : 'appeal.rejected'));
    });
  };
  return (
    <form class="form decide-appeal" onSubmit={submit}>
      <h3>{t('appeal.decide')}</h3>
      <fieldset>
        <legend>{t('appeal.outcome')}</legend>
        {(['OUTCOME_UPHELD', 'OUTCOME_REJECTED'] as const).map((o) => (
          <label key={o} class="check inline">
            <input type="radio" name={ids.outcome} value={o} checked={outcome === o} onChange={() => setOutcome(o)} /> {label('appeal.outcome.', o)}
          </label>
        ))}
      </fieldset>
      {upheld && (
        <Async state={subject}>
          {(x) =>
            card ? (
              <div class="table-wrap">
                <p class="muted small-text">{t('appeal.valuesHint')}</p>
                <table class="data amend-values">
                  <thead>
                    <tr>
                      <th scope="col">{t('score.indicator')}</th>
                      <th scope="col">{t('score.value')}</th>
                      <th scope="col">{t('appeal.corrected')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {(x?.lines ?? []).map((l) => {
                      const name = l.indicator ?? '';
                      const display = l.displayName || idOf(name);
                      return (
                        <tr key={name}>
                          <th scope="row">{display}</th>
                          <td>{l.value ?? '—'}</td>
                          <td>
                            <input
                              aria-label={t('appeal.correctedOf', { indicator: display })}
                              inputMode="decimal"
                              size={10}
                              value={values[name] ?? ''}
                              onInput={(e) => setValues({ ...values, [name]: e.currentTarget.value })}
                            />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            ) : (
              <div class="row">
                <div>
                  <label for={ids.level}>{t('appeal.correctedGrade')}</label>
                  <select id={ids.level} value={level} onChange={(e) => setLevel(e.currentTarget.value)}>
                    <option value="">—</option>
                    {(ladder.status === 'ok' ? (ladder.data?.levels ?? []) : []).map((l) => (
                      <option key={l.code} value={l.code}>
                        {l.displayName ?? l.code}
                      </option>
                    ))}
                  </select>
                </div>
                <div>
                  <label for={ids.band}>
                    {t('appeal.band')}
                    <span class="muted">{t('common.optional')}</span>
                  </label>
                  <input id={ids.band} size={4} value={band} onInput={(e) => setBand(e.currentTarget.value)} />
                </div>
              </div>
            )
          }
        </Async>
      )}
      <label for={ids.comment}>{t('appeal.comment')}</label>
      <textarea id={ids.comment} rows={2} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      <div>
        <button type="submit" class={outcome === 'OUTCOME_REJECTED' ? 'danger' : ''} disabled={action.busy}>
          {t('appeal.record')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}
