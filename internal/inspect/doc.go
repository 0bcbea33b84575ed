// Package inspect owns 双随机一公开 (random inspection: random objects,
// random inspectors, results public; DOMAIN.md §7.5): the object list
// (检查对象名录: shops, sites, vendors), the inspector list (执法检查人员名录:
// officers with their certificate numbers), the draw plan (抽查计划: how
// many objects, how many inspectors per object, a district restriction),
// recusal (回避: declared conflicts and excluded districts), the draw itself
// and the outcomes of the inspections with their publication deadline.
//
// # The draw anyone can re-run
//
// Before the draw the system makes a 32-byte random seed and publishes only
// its SHA-256 (the commitment) together with the plan's hash; from then on
// the plan is frozen. At draw time it reveals the seed and draws
// deterministically from seed and plan, so anyone holding the published
// plan document, the seed and the result can re-run the draw ([Verify]):
//
//  1. The plan's canonical document ([Plan.Canonical]) lists every input
//     that matters, each list sorted by id, so the result depends only on
//     the data, never on the order it was typed in. Its SHA-256 is the plan
//     hash.
//  2. The generator is ChaCha8 (math/rand/v2, the C2SP chacha8rand stream)
//     keyed with SHA-256(seed || plan hash), the hash taken as its 32 raw
//     bytes.
//  3. uniform(n) takes the generator's next Uint64 u, rejects it while
//     u >= 2^64 - (2^64 mod n), and answers u mod n. We do not use
//     rand.Rand's IntN, whose mapping Go does not promise to keep, so a
//     verifier in any language reproduces the draw from the stream alone.
//  4. Objects: the eligible ones (in the plan's district, when it has one),
//     in id order; a partial Fisher–Yates shuffle (for i from 0: swap i
//     with i + uniform(n-i)) picks Count of them, in drawn order.
//  5. Inspectors, per drawn object in drawn order: those eligible for it
//     (in the plan's district or city-level, not excluded from the object's
//     district, with no declared conflict with it), in id order, and a
//     partial Fisher–Yates shuffle picks PerObject of them (at least 2,
//     Administrative Penalty Law Art. 42).
//
// A plan is checked when it is written and again at commitment, so that
// every object that could be drawn has enough eligible inspectors: a draw
// never fails after its seed is revealed.
//
// The commitment binds the seed, not the moment it was made: the platform
// that makes the seed could in principle try many before publishing one.
// What the scheme guarantees is that nobody can change the plan, the seed
// or the result after the commitment is public without it showing.
//
// # Personal data
//
// An object's contact person and phone, an inspector's phone and the reason
// of a declared conflict are personal data: the store seals them and no
// public view carries them ([PublicPlan]). Officers' names with their
// certificate numbers are public by law (三项制度 公示), and so are the
// pairs of a declared conflict, without the reason, because the draw
// depends on them.
//
// The package is pure domain: it imports errs, org, worktime, pii (masks)
// and disclose (public text) and the standard library (crypto,
// math/rand/v2); never net/http, database/sql, a store, api, web or app.
package inspect
