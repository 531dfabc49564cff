// Money as the API sends it (google.type.Money: whole yuan as a decimal string in
// `units`, fen in `nanos`), shown exactly — never through floating point.

export interface Money {
  currencyCode?: string;
  units?: string | number;
  nanos?: number;
}

/** formatMoney writes 26500.5 CNY as "26,500.50". */
export function formatMoney(m: Money | undefined): string {
  if (!m) return '—';
  let units = String(m.units ?? '0');
  let nanos = m.nanos ?? 0;
  const negative = units.startsWith('-') || nanos < 0;
  units = units.replace(/^-/, '');
  nanos = Math.abs(nanos);
  // Fen, rounded half-even to two places (the API already sends whole fen).
  let fen = Math.floor(nanos / 10_000_000);
  const rest = nanos % 10_000_000;
  if (rest > 5_000_000 || (rest === 5_000_000 && fen % 2 === 1)) fen++;
  if (fen === 100) {
    units = (BigInt(units) + 1n).toString();
    fen = 0;
  }
  const grouped = units.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative && (units !== '0' || fen !== 0) ? '-' : ''}${grouped}.${String(fen).padStart(2, '0')}`;
}

/** moneyText writes Money as a plain decimal string for a form ("6000.00"), exactly. */
export function moneyText(m: Money | undefined): string {
  if (!m) return '';
  return formatMoney(m).replace(/,/g, '');
}

/**
 * toMoney reads a yuan amount typed in a form ("6000", "6000.5", "6,000.50")
 * into CNY Money, exactly; null when it is not such an amount.
 */
export function toMoney(text: string): Money | null {
  const s = text.trim().replace(/,/g, '');
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  const negative = m[1] === '-';
  const units = m[2].replace(/^0+(?=\d)/, '');
  const nanos = Number((m[3] ?? '').padEnd(2, '0')) * 10_000_000;
  return { currencyCode: 'CNY', units: negative && units !== '0' ? `-${units}` : units, nanos: negative ? -nanos : nanos };
}
