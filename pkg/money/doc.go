// Package money provides exact money arithmetic for the pay and grade
// calculations of rmsuite, in Chinese yuan (CNY).
//
// There are two types:
//
//   - [Amount] is a sum of money in CNY, held as a whole number of fen
//     (0.01 yuan) in an int64. Its arithmetic is exact; overflow is reported
//     as an error, never wrapped.
//   - [Decimal] is an exact decimal number with up to 19 significant digits,
//     for rates, coefficients and intermediate results.
//
// # Rounding policy
//
// The package rounds only where the caller asks it to, and then always half
// to even (banker's rounding). Amount arithmetic (Add, Sub, Sum) is exact,
// and [Allocate] splits a total into whole fen that always add back up to
// it. Multiplying an amount by a rate ([Amount.MulDecimal]) gives an
// unrounded Decimal. Do the whole calculation in Decimal and round once, at
// the end, with [Decimal.RoundToFen], which rounds half to even to the fen:
// 0.005 → 0.00, 0.015 → 0.02, 0.025 → 0.02, -0.015 → -0.02.
// [Decimal.RoundHalfEven] rounds to another number of decimal places the same
// way.
//
// Decimal arithmetic is exact as long as the result fits in 19 significant
// digits. A result that does not — always the case for a quotient such as
// 1/360 — is rounded half to even to 19 significant digits. To keep that
// rounding far below the fen, multiply first and divide last.
//
// # Input and errors
//
// Text is accepted only in plain decimal notation: an optional sign, digits,
// and optionally a point followed by digits ("1234.56", "-0.5", "+3").
// Exponents, spaces, thousands separators, NaN and Inf are rejected. Invalid
// input, overflow and division by zero are returned as errors that wrap
// [ErrSyntax], [ErrPrecision], [ErrOverflow] or [ErrDivisionByZero]; nothing
// panics except [MustParseDecimal].
//
// Nothing in this package uses floating point, and no float is accepted.
//
// Both types implement [encoding.TextMarshaler] and
// [encoding.TextUnmarshaler], so encoding/json writes them as JSON strings
// ("1234.56") and reads them only from JSON strings. Both implement
// [database/sql/driver.Valuer] and [database/sql.Scanner]; use
// [database/sql.Null] for nullable columns.
package money

import "errors"

// Errors wrapped by the errors this package returns; test with [errors.Is].
var (
	// ErrSyntax reports text that is not a plain decimal number.
	ErrSyntax = errors.New("invalid syntax")
	// ErrPrecision reports a value with more decimal places or significant
	// digits than the target type holds; it would have to be rounded.
	ErrPrecision = errors.New("too many digits")
	// ErrOverflow reports a value or result outside the range of the type.
	ErrOverflow = errors.New("out of range")
	// ErrDivisionByZero reports a division by zero.
	ErrDivisionByZero = errors.New("division by zero")
)
