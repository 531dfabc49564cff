// Package formula is the small, safe expression language of pay formulas.
//
// Pay components are formulas over named inputs (DOMAIN.md §5); the default
// business-profit bonus is [DefaultBusinessBonus]. A formula is compiled
// with [Compile] when it is saved: it is parsed and checked against an [Env]
// that declares every input with its [Unit] and the unit the result must
// have. Unknown names, wrong units and division by something that may be
// zero are rejected with an [*Error] that gives the position of the mistake.
// A compiled [Formula] is evaluated in exact decimal ([money.Decimal]) with
// [Formula.Eval], [Formula.EvalAmount] or [Formula.Explain].
//
// A formula can only compute a number from its inputs. There are no
// assignments, loops, user-defined functions or calls out of the package,
// so evaluation always ends, visits each part of the formula at most once
// and never runs arbitrary code.
//
// # Grammar
//
//	formula    = expr .
//	expr       = conj { "or" conj } .
//	conj       = neg { "and" neg } .
//	neg        = "not" neg | comparison .
//	comparison = sum [ ( "<" | "<=" | ">" | ">=" | "==" | "!=" ) sum ] .
//	sum        = product { ( "+" | "-" ) product } .
//	product    = unary { ( "*" | "/" ) unary } .
//	unary      = "-" unary | primary .
//	primary    = number | name | call | "(" expr ")" .
//	call       = function "(" expr { "," expr } ")" .
//	function   = "if" | "min" | "max" | "round" | "clamp" .
//	number     = digits [ "." digits ] [ "%" ] .
//	name       = ( letter | "_" ) { letter | "_" | "0"…"9" } .
//
// Operators bind as listed, loosest first; +, -, *, /, and, or group left
// to right; comparisons do not chain (write a < b and b < c). Spaces, tabs
// and line breaks may separate tokens. A letter is any Unicode letter, so
// names such as 存款 are allowed; the words and, or, not, if, min, max,
// round, clamp, true and false are reserved.
//
// Numbers are plain decimals with at most 19 significant digits: 30, 0.02,
// 1.2. A number directly followed by % is a percentage: 2.80% is 0.0280.
// Exponents, leading zeros (007) and thousands separators (2,000.00) are
// rejected; since "2,000" could be meant as one number, a comma between
// digits must be followed by a space when it separates arguments, as in
// max(1, 100).
//
// The functions are
//
//	if(c, a, b)       a if the condition c holds, else b; only one of a and b is evaluated
//	min(a, b, …)      the smallest of two or more values
//	max(a, b, …)      the largest of two or more values
//	round(x, n)       x rounded half to even to n decimal places; n is a constant 0…19
//	clamp(x, lo, hi)  lo if x < lo, hi if x > hi, else x; lo > hi is an error
//
// and, or and not take and give conditions; and and or evaluate their right
// side only when it decides the result.
//
// A formula is at most [MaxLength] bytes long, and parentheses, calls,
// unary minus and not nest at most [MaxDepth] deep.
//
// # Units
//
// Every input has a unit: [UnitMoney] (CNY), [UnitRate] (a dimensionless
// fraction such as an interest rate), [UnitCount], [UnitDays] or
// [UnitNumber] (a plain dimensionless number such as a coefficient). Number
// literals, and parts made of literals only, have no unit of their own: like
// Go's untyped constants they take the unit of what they are added to,
// compared with or chosen alongside, and they scale what they multiply or
// divide, so t > 0, 1 - IC (a rate), F * 0.5 (money) and t / 360 (days) are
// all fine. A literal divided by anything but a number, as in 1 / t, is an
// error. The rules for the rest, with "scale" meaning number or rate:
//
//	a + b, a - b       a and b have the same unit, which is the result's
//	a < b, a == b, …   a and b have the same unit; the result is a condition
//	money * x          x is a scale, count or days: money (either order)
//	count * scale      count; days * scale is days (either order)
//	rate * rate        rate; number * number is number; number * rate is rate
//	a / b, same unit   number (money / money, days / days, rate / rate, …)
//	money / x          x is a scale, count or days: money
//	count / scale      count; days / scale is days; rate / number is rate
//	-a, round(a, n)    the unit of a
//	min, max, clamp    all arguments have the same unit, which is the result's
//	if(c, a, b)        c is a condition; a and b have the same unit
//
// Anything else — money * money, money + rate, comparing days with money,
// 1 / t — is an error. The formula's result must have the unit that
// [Env.Result] requires; a formula made of literals only takes that unit.
//
// # Division guard
//
// A formula may divide only by something that is known not to be zero when
// the division is evaluated. A divisor d is accepted if
//
//  1. d is a constant (made of literals only) whose value is not zero;
//  2. d is an input declared [Input.NonZero]; Eval then rejects a zero value
//     for it;
//  3. d is -e with e accepted;
//  4. d is max(…) with a constant argument above zero, min(…) with a
//     constant argument below zero, or clamp(x, lo, hi) with a constant lo
//     above zero or a constant hi below zero;
//  5. d is if(c, a, b) where a is accepted knowing that c holds and b is
//     accepted knowing that c does not hold; or
//  6. the division is evaluated only when a condition is known to hold that
//     excludes d = 0, where d is written the same way in the condition
//     (parentheses aside). A condition excludes d = 0 if it compares d with a
//     constant k and is false when d is 0: t > 0, t != 0, t >= 1, t < 0,
//     t == 5, 0 < t. Such a condition is known to hold in the second
//     argument of an if whose condition is it or is it "and" something; its
//     negation (t == 0, t <= 0, not (t > 0)) is known to hold in the third
//     argument, also through "or". In c1 and c2, c1 is known to hold
//     while c2 is evaluated; in c1 or c2, c1 is known to be false.
//
// So if(t > 0, x / t, 0), if(t == 0, 0, x / t), x / max(t, 1) and
// if(n > 0 and x / n > 2, 1, 0) are accepted, while x / t, x / (t - t),
// if(t > 0, 0, x / t) and if(t + 0 > 0, x / t, 0) are rejected. A formula
// that compiles therefore never divides by zero when it is evaluated.
//
// # Evaluation
//
// Evaluation is exact as long as every intermediate result fits in 19
// significant digits; a result with more is rounded half to even to 19
// significant digits (always the case for quotients such as 1/3), and one
// with more than 19 digits before the decimal point is an error. Nothing is
// rounded to the fen along the way: round the end result once, as
// [Formula.EvalAmount] does. Evaluating the same formula on the same inputs
// always gives the same result, and a [Formula] is safe for concurrent use.
package formula
