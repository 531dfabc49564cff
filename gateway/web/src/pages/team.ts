// The managers a supervisor (or branch head) may see: their team (subtree), with
// names for the pages that show employee numbers.

import { get } from '../api';
import type { Manager } from '../types';
import { idOf, useAsync } from '../ui';

export function useTeam() {
  const state = useAsync(
    () => get<{ managers?: Manager[] }>('/v1/managers', { pageSize: 500, filter: 'status != STATUS_EXITED' }).then((r) => r.managers ?? []),
    [],
  );
  const managers = state.status === 'ok' ? state.data : [];
  const names = new Map(managers.map((m) => [idOf(m.name), m.displayName ?? idOf(m.name)]));
  return { state, managers, names };
}
