// My scores (我的考评): the manager's monthly score cards from the assessment
// runs, each line with its weight, value, rule, points and the explanation the
// assessment service writes; the total and the performance coefficient.

import { useState } from 'preact/hooks';
import { get } from '../api';
import { label, t } from '../i18n';
import { href } from '../router';
import type { PageProps } from '../sections';
import type { ScoreCard } from '../types';
import { Async, Badge, Page, useAsync, useId } from '../ui';

export function CmScores({ session }: PageProps) {
  const cards = useAsync(
    () =>
      get<{ scoreCards?: ScoreCard[] }>('/v1/runs/-/scoreCards', {
        filter: `manager = "managers/${session.user}"`,
        orderBy: 'period desc',
        pageSize: 24,
      }).then((r) => r.scoreCards ?? []),
    [session.user],
  );
  return (
    <Page title={t('page.cmScores')}>
      <Async state={cards}>{(cs) => (cs.length === 0 ? <p class="card">{t('score.none')}</p> : <Cards cards={cs} />)}</Async>
    </Page>
  );
}

function Cards({ cards }: { cards: ScoreCard[] }) {
  const [name, setName] = useState(cards[0].name);
  const id = useId('period');
  const card = cards.find((c) => c.name === name) ?? cards[0];
  return (
    <>
      <div class="toolbar">
        <label for={id}>{t('score.period')}</label>
        <select id={id} value={name} onChange={(e) => setName(e.currentTarget.value)}>
          {cards.map((c) => (
            <option key={c.name} value={c.name}>
              {c.period}
            </option>
          ))}
        </select>
        {card.closed && (
          <a class="button secondary" href={href('/assess/appeals', { subject: card.name })}>
            {t('score.appeal')}
          </a>
        )}
      </div>
      <ScoreCardView card={card} />
    </>
  );
}

export function ScoreCardView({ card }: { card: ScoreCard }) {
  return (
    <div class="card score-card">
      <div class="plan-summary">
        <span class="score-total">{card.total ?? '—'}</span>
        <span>
          {t('score.coefficient')} <strong>{card.coefficient ?? '—'}</strong>
        </span>
        {card.closed ? <Badge kind="ok">{t('score.closed')}</Badge> : <Badge kind="warn">{t('score.open')}</Badge>}
        {!card.complete && <Badge kind="warn">{t('score.incomplete')}</Badge>}
      </div>
      {card.coefficientDetail && <p class="muted small-text">{card.coefficientDetail}</p>}
      {(card.parts ?? []).length > 0 && (
        <ul class="plain parts">
          {(card.parts ?? []).map((p) => (
            <li key={p.part}>
              {label('part.', p.part)}：{p.points} <span class="muted">/ {p.weight}</span>
            </li>
          ))}
        </ul>
      )}
      <div class="table-wrap">
        <table class="data score-lines">
          <thead>
            <tr>
              <th scope="col">{t('score.indicator')}</th>
              <th scope="col">{t('score.part')}</th>
              <th scope="col">{t('score.weight')}</th>
              <th scope="col">{t('score.value')}</th>
              <th scope="col">{t('score.points')}</th>
              <th scope="col">{t('score.why')}</th>
            </tr>
          </thead>
          <tbody>
            {(card.lines ?? []).map((l) => (
              <tr key={l.indicator} class={l.status === 'LINE_STATUS_AWAITING_ENTRY' ? 'warn-row' : ''}>
                <th scope="row">{l.displayName || l.indicator}</th>
                <td>{label('part.', l.part)}</td>
                <td>{l.weight}</td>
                <td>{l.value ?? '—'}</td>
                <td>{l.points}</td>
                <td class="small-text">
                  {l.detail}
                  {l.rule && <div class="muted">{l.rule}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
