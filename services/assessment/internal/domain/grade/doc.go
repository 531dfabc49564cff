// Package grade owns grade decisions (DOMAIN.md §4): given the CMs assessed
// together in a period, their grades and the measures of their
// performance, who is promoted, maintained, demoted, moved down by a quota,
// given a grace period, or whose contract ends — and why.
//
// A [Ladder] is an ordered list of steps, lowest first (a band of a level,
// or a level without bands); codes are the roster's, but this package does
// not depend on the roster. A [Policy] adds, per grade, the promotion and
// maintenance indicators ([GradeRequirements]), and per level a [Quota].
//
// # Rules, in the order [Decide] applies them
//
// First every CM is decided on their own:
//
//  1. A new CM in the first period is skipped if the policy says so
//     ([KindSkip]).
//  2. Promotion: a CM marked exceptional, with the committee's approval
//     reference, is promoted to the exception's target grade — which may
//     be more than one step up — if all its promotion indicators are met.
//     Otherwise a CM is promoted one step, to the next step up, if all the
//     promotion indicators of that step are met ([KindPromote]). A step
//     with no promotion indicators cannot be reached by promotion. One step
//     at a time: meeting the indicators of a grade two steps up does not
//     move a CM there.
//  3. Otherwise, a CM who meets all the maintenance indicators of the
//     current grade stays ([KindMaintain]).
//  4. Otherwise a new CM gets one grace period ([KindGrace]); a new CM
//     failing during the grace period ends the contract ([KindTerminate]).
//     Any other CM moves down exactly one step ([KindDemote]), or stays on
//     the lowest step ([KindMaintain], with the failure in the reasons).
//
// A requirement without a value for its measure is not met.
//
// Then quotas are applied level by level, from the highest level down, so
// that CMs moved down by a level's quota count at the level below when its
// turn comes. Promotions decided in step 2 count toward the level they
// reach. For a level with a quota:
//
//   - N is the number of CMs assessed together (all candidates given to
//     [Decide]); quotas apply only if N ≥ [Policy.MinQuotaPopulation].
//   - The limit is ⌊share × N⌋, rounded down: 10 % of 20 is 2, 10 % of 25
//     is 2.
//   - The level holds the CMs whose resulting grade is on it, except those
//     whose contract ends.
//   - If it holds more than the limit, the CMs it holds are ranked, first
//     to move first: lower score first; on equal scores, shorter time at
//     the current grade (later [Candidate.GradeSince]; an unknown date
//     counts as the longest time); then the larger employee number (longer
//     numbers are larger; equal lengths compare byte by byte). A CM is
//     moved across at most one level per period, so CMs who arrived at the
//     level by moving down this period (by an individual demotion, a higher
//     level's quota, or a promotion a quota withdrew) count toward it but
//     are not ranked.
//   - As many CMs as the level holds above the limit are taken from the top
//     of the ranking. One who was promoted into the level this period has
//     the promotion withdrawn: they are decided again as in steps 3–4 with
//     no promotion. Any other goes to the highest step of the level below
//     ([KindQuotaDemote]): exactly one step for a CM on the level's lowest
//     step, and the smallest move that frees a place on the level.
//
// Every [Decision] carries its checks (each requirement with the value it
// was met or missed with), the quota rank where a quota applied, and
// reasons written for people, so that appeals and audits can read them.
//
// [SalesRequirements] builds the default indicator sets of the sales ladder
// from the table of DOMAIN.md §4 for an institution's P and q;
// [BankPolicy] and [ThreeLevelsNineBandsPolicy] are the defaults for the
// other two default ladders.
package grade
