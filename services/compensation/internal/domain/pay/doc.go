// Package pay is the compensation domain (DOMAIN.md §5): the effective-dated
// pay configuration ([Config]) — pay table by grade, parameters, pay
// components with their formulas, commission rules, region classes, who is a
// supervisor — and the computation of one manager's payslip from it
// ([Compute]): every line with its formula, inputs, their values and sources,
// rounded half to even to the fen once per line, so that the payslip ties out
// (net = gross − Σ deductions).
//
// Who gets what: a trainee (a manager on probation on the month's last day)
// gets the trainee components only (the daily wage × days worked); a
// supervisor (by post or grade) also gets the supervisor components (the
// management allowance); everyone else the non-trainee components, commission
// on contracts whose collection ratio has reached the threshold (clawed back
// when a reversal takes it below again), awards and adjustments.
//
// Corrections of locked months are lines of a later payslip: adjustments
// recorded by HR, and retro lines ([Retro]) when a pay configuration dated
// back into a locked month changes what that month should have paid.
//
// The package is pure: no I/O, no floating point; amounts are
// [money.Amount], everything else [money.Decimal].
package pay
