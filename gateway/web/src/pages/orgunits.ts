// The org units the caller may see, by resource name, for showing names.

import { get } from '../api';
import type { OrgUnit } from '../types';
import { useAsync } from '../ui';

export function useOrgUnits() {
  const state = useAsync(
    () => get<{ orgUnits?: OrgUnit[] }>('/v1/orgUnits', { pageSize: 1000, orderBy: 'code' }).then((r) => r.orgUnits ?? []),
    [],
  );
  const units = state.status === 'ok' ? state.data : [];
  const names = new Map(units.map((u) => [u.name, u.displayName ?? u.name]));
  return { state, units, names };
}
