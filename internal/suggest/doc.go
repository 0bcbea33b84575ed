// Package suggest proposes the sub-class (小类) of a report from the words a
// citizen or an operator typed, so that a person can confirm it with one
// tap. It only ever suggests: callers show the result beside the category
// the person chose and never replace that choice.
//
// # Data a city edits
//
// What the suggester knows is data ([Data], shipped as data/terms.json and
// replaceable with [Load]): per sub-class, terms with weights, and combos
// (groups of words that must all occur). Object nouns (井盖, 路灯, 垃圾桶,
// 广告牌 …) carry high weights and incidental words (人行道, 路边 …) low
// ones, so "人行道井盖破损" suggests a manhole cover, not a street tree.
// Variants map misspellings and colloquial or traditional forms to one
// spelling (拉圾 → 垃圾, 红路灯 → 红绿灯, 篦子 → 箅子) before matching, so the
// terms list each word once.
//
// # Scoring
//
// The text is folded (lower case, full-width to half-width, spaces
// removed), variants are rewritten, and every term occurrence is found.
// Overlapping occurrences are settled longest first ("路灯井盖" claims its
// characters before "路灯" or "井盖" can), then by weight, so a longer,
// more specific phrase always decides. A sub-class scores the sum of the
// weights of its distinct claimed terms plus its satisfied combos; the best
// three above the minimum score are returned with their scores.
//
// Nothing here does network or database I/O; [Load] reads one file.
package suggest
