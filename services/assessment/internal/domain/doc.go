// Package domain is the pure core of the assessment service (考核,
// DOMAIN.md §4): rules and computations with no I/O, no SQL and no
// generated code. It holds no code itself; its packages are
//
//   - indicator: the indicator library (指标库) and scoring rules;
//   - template: monthly assessment templates per ladder level;
//   - scoring: monthly score cards, the performance coefficient, quarterly,
//     annual and additional scores;
//   - grade: grade decisions — promotion, maintenance, demotion, new-CM
//     grace, quotas (末尾淘汰);
//   - appeal: appeals against results;
//   - violation: field violations, shared by all of them.
//
// All numbers are exact decimals ([github.com/rmsuite/rmsuite/pkg/money.Decimal]);
// binary floating point is banned from the whole tree by a test.
package domain
