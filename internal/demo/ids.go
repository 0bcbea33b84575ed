package demo

import (
	"encoding/hex"
	"math/rand/v2"
	"time"
)

// Everything random in the demo comes from a few independent streams, each a
// PCG seeded from the demo seed and a salt, so that one case's numbers never
// depend on how many numbers another case drew, and the simulation can run on
// any number of cores with the same result.
const (
	saltLayout  = 0x6c61796f7574 // "layout": splits, names, hotspots
	saltIDs     = 0x696473       // "ids": region and account IDs
	saltPlan    = 0x706c616e     // "plan": what, where, when and which path
	saltWalk    = 0x77616c6b     // "walk": delays while the case goes round the loop
	saltPhotos  = 0x70686f746f   // "photo": pixels of the demo photos
	saltCaseID  = 0x63617365     // "case"
	saltEventID = 0x6576656e74   // "event"
)

// mix is splitmix64's finaliser: a cheap bijection that spreads nearby
// inputs (seed, seed+1, …) over the whole 64-bit range.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// stream returns the generator for (seed, salt, index).
func stream(seed int64, salt uint64, index uint64) *rand.Rand {
	a := mix(uint64(seed) ^ mix(salt))
	b := mix(a ^ mix(index+0x632be59bd9b4e019))
	return rand.New(rand.NewPCG(a, b))
}

// hashString is FNV-1a, to derive stable IDs from codes and usernames.
func hashString(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

// uuid7 formats a UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74
// bits from hi and lo. IDs made this way sort by time like the platform's own
// and are the same on every run with the same seed.
func uuid7(at time.Time, hi, lo uint64) string {
	var b [16]byte
	ms := uint64(at.UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = 0x70 | byte(hi>>8)&0x0f
	b[7] = byte(hi)
	b[8] = 0x80 | byte(lo>>56)&0x3f
	for i := 9; i < 16; i++ {
		b[i] = byte(lo >> (8 * (15 - i)))
	}
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// idFor is the ID of a named thing (a region or account) of this seed.
func idFor(seed int64, at time.Time, name string) string {
	h := hashString(name)
	return uuid7(at, mix(uint64(seed)^mix(saltIDs)^h), mix(h^uint64(seed)))
}

// caseID is the ID of case i of this seed, reported at `at`.
func caseID(seed int64, i int, at time.Time) string {
	k := mix(uint64(seed) ^ mix(saltCaseID) ^ mix(uint64(i)))
	return uuid7(at, k, mix(k))
}

// eventID is the ID of the seq-th event of case i.
func eventID(seed int64, i, seq int, at time.Time) string {
	k := mix(uint64(seed) ^ mix(saltEventID) ^ mix(uint64(i)<<16|uint64(seq)))
	return uuid7(at, k, mix(k))
}
