// Package address turns a point into a readable address: the nearest named
// road, a house number on the side of the road the point lies on, and the
// district and street above it, e.g. "玄武区 梅园新村街道 长江路 123 号附近".
//
// A city gives road centre-lines and, where it has them, address points
// (门牌点); [ParseCSV] and [ParseGeoJSON] read both. [Index] keeps them in
// memory in a bucket grid over a local metric plane, so a lookup touches a
// few dozen segments and takes microseconds; the demo city's roads come from
// package demo.
//
// House numbers follow the common Chinese rule 左单右双: walking from the
// road's first vertex, odd numbers are on the left and even on the right,
// one pair every [Spacing] metres. An address point within [PointRadiusM]
// wins over the interpolated number, since it is what is on the wall.
//
// The package is pure: no I/O, only geo and errs.
package address
