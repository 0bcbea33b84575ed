// Package council owns volunteers (志愿者) and the community council
// (社区议事会): volunteer registration, activities with sign-in by location
// and the hours credited, and council topics with their opinions, votes,
// official answer and follow-up, tracked to completion.
//
// It is plain Go without I/O: the rules (a sign-in inside the activity's
// radius and time window, one vote per person, the topic's lifecycle) live
// here; package councilstore keeps the records.
package council
