// Business dates are calendar dates in Asia/Shanghai, as the services keep them.

import type { CivilDate } from './types';
import { lang } from './i18n';

const TZ = 'Asia/Shanghai';

/** today is the date in Shanghai, YYYY-MM-DD. */
export function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** thisMonth is YYYY-MM in Shanghai. */
export function thisMonth(): string {
  return today().slice(0, 7);
}

export function toCivil(iso: string): CivilDate {
  const [year, month, day] = iso.split('-').map(Number);
  return { year, month, day };
}

export function fromCivil(d: CivilDate | undefined): string {
  if (!d || !d.year) return '';
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day ?? 1).padStart(2, '0')}`;
}

/** monthDays lists the dates of a month (YYYY-MM) as YYYY-MM-DD. */
export function monthDays(month: string): string[] {
  const [y, m] = month.split('-').map(Number);
  const n = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: n }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

/** weekday is 0 for Monday … 6 for Sunday. */
export function weekday(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

export function isMonth(s: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(s);
}

export function isDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));
}

/** formatTime shows a timestamp in Shanghai time. */
export function formatTime(ts: string | undefined): string {
  if (!ts) return '';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return d.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: TZ, hour12: false });
}

/** duration writes milliseconds as H:MM:SS. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
