package disclose

import (
	"math"
	"strconv"
	"strings"

	"cityloop/internal/address"
	"cityloop/internal/casework"
)

// Audience is who reads a view of a case.
type Audience int

const (
	// Public is anyone: no sign-in, no key, or a key without the detail right.
	Public Audience = iota
	// Detail is a partner holding the explicit detail right: full
	// descriptions, addresses, notes and every photo link of the feed.
	Detail
)

// Decimals is how many decimals of a degree public coordinates keep:
// three, about 100 m, the precision of the public map.
const Decimals = 3

// Round rounds a coordinate (longitude or latitude, degrees) to [Decimals].
func Round(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*1e3) / 1e3
}

// FormatCoord writes a coordinate with [Decimals] decimals, as the public
// map encodes its points.
func FormatCoord(x float64) string { return strconv.FormatFloat(Round(x), 'f', Decimals, 64) }

// Location is the public location of a case: its point rounded. The
// street address is never public (it may be a caller's home).
func Location(lng, lat float64) (float64, float64) { return Round(lng), Round(lat) }

// Place is the address a tracking page shows: the district, street and
// road, never the house number. The address is the reverse-geocoded
// point, which for a report from home is the reporter's door, and the
// page is open to anyone holding the code and key.
func Place(addr string) string { return address.Mask(addr) }

// Description is the public text of a case. A 12345 hotline case shows its
// category name (the words are an operator's record of a citizen's call,
// often with the caller's own address), and so does a case that is not
// public ([CasePublic]: its words were judged not to be a real case); any
// other case shows its words with phone, ID and house numbers masked.
// category is the citizen-facing category name in the reader's language
// ("" when unclassified).
func Description(src casework.Source, st casework.Status, text, category string) string {
	if src == casework.SourceHotline || !CasePublic(st) {
		return category
	}
	return MaskText(text)
}

// MaskText replaces with '*' the digits of every run that looks like a
// phone number, an ID number or a house or flat number:
//
//   - five or more digits, counted across single '-' or ' ' separators
//     (138-0013-8000, 0591 8765 4321, 350102199001011234 and its final X);
//   - any digits directly followed by a unit word (3号, 2栋, 1单元, 501室,
//     6楼, 12层, 4座 …).
//
// Fullwidth digits count as digits. Shorter numbers (3 个, 20 米) are kept.
func MaskText(s string) string {
	if !strings.ContainsFunc(s, isDigit) {
		return s
	}
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if !isDigit(rs[i]) {
			i++
			continue
		}
		start, end, n := i, i, 0
		for j := i; j < len(rs); {
			if isDigit(rs[j]) {
				n++
				j++
				end = j
				continue
			}
			if (rs[j] == '-' || rs[j] == ' ') && j+1 < len(rs) && isDigit(rs[j+1]) {
				j++
				continue
			}
			break
		}
		if n >= 17 && end < len(rs) && (rs[end] == 'X' || rs[end] == 'x') {
			rs[end] = '*'
		}
		if n >= 5 || (end < len(rs) && isUnit(rs, end)) {
			for k := start; k < end; k++ {
				if isDigit(rs[k]) {
					rs[k] = '*'
				}
			}
		}
		i = end
	}
	return string(rs)
}

func isDigit(r rune) bool { return ('0' <= r && r <= '9') || ('０' <= r && r <= '９') }

// units follow a house, building, entrance, flat or floor number.
var units = []string{"号", "室", "栋", "幢", "单元", "楼", "层", "户", "弄", "座", "排", "#", "＃"}

func isUnit(rs []rune, at int) bool {
	rest := rs[at:]
	if len(rest) > 2 {
		rest = rest[:2]
	}
	s := string(rest)
	for _, u := range units {
		if strings.HasPrefix(s, u) {
			return true
		}
	}
	return false
}

// EventPublic reports whether a timeline action is shown outside the
// platform at all. Supervision (督办) and overdue marks are the platform's
// own business, not the citizen's.
func EventPublic(a casework.Action) bool {
	return a != casework.ActUrge && a != casework.ActOverdue
}

// notes are the standard public texts per action, Chinese and English.
var notes = map[casework.Action][2]string{
	casework.ActReport:            {"已上报", "Reported"},
	casework.ActAccept:            {"已受理", "Accepted"},
	casework.ActSendVerify:        {"正在核实", "Being verified"},
	casework.ActVerify:            {"已核实", "Verified"},
	casework.ActReject:            {"不予受理", "Not accepted"},
	casework.ActFile:              {"已立案", "Filed"},
	casework.ActVoid:              {"已作废", "Voided"},
	casework.ActMerge:             {"与同一问题的上报合并办理", "Merged with another report of the same problem"},
	casework.ActDispatch:          {"已派遣", "Dispatched"},
	casework.ActSign:              {"处置单位已签收", "Taken on by the department"},
	casework.ActReturn:            {"正在重新分派", "Being re-routed"},
	casework.ActRedispatch:        {"已重新派遣", "Re-dispatched"},
	casework.ActRejectReturn:      {"处置中", "In disposal"},
	casework.ActExtend:            {"处置中", "In disposal"},
	casework.ActApproveExtension:  {"处置期限已延长", "Deadline extended"},
	casework.ActDenyExtension:     {"处置中", "In disposal"},
	casework.ActSuspend:           {"处置中", "In disposal"},
	casework.ActApproveSuspension: {"暂缓办理", "On hold"},
	casework.ActDenySuspension:    {"处置中", "In disposal"},
	casework.ActResume:            {"恢复办理", "Resumed"},
	casework.ActSelfHandle:        {"已当场处置", "Handled on the spot"},
	casework.ActDispose:           {"已处置", "Disposed"},
	casework.ActCheck:             {"已核查", "Checked"},
	casework.ActClose:             {"已办结", "Closed"},
	casework.ActCallback:          {"已回访", "Reporter called back"},
	casework.ActRate:              {"上报人已评价", "Rated by the reporter"},
	casework.ActComment:           {"收到补充留言", "A comment was added"},
}

// Note is the public status note of an action: a standard text, never the
// note staff wrote (which may hold a caller's phone or flat number).
func Note(a casework.Action, en bool) string {
	t, ok := notes[a]
	if !ok {
		t = [2]string{"处置中", "In progress"}
	}
	if en {
		return t[1]
	}
	return t[0]
}

// CasePublic reports whether a case may be shown with its reporter's words
// and photos: not a rejected (不予受理) or voided (作废) report, whose
// content was judged not to be a real case.
func CasePublic(st casework.Status) bool {
	return st.Valid() && st != casework.StatusRejected && st != casework.StatusVoided
}

// ReporterPhotosPublic reports whether the photos the reporter attached to
// a case may be served to anyone: the case is public and came from a
// citizen (随手拍) or a supervisor's patrol. Device snapshots (camera,
// sensor), partners', leaders' and hotline material are not published.
func ReporterPhotosPublic(src casework.Source, st casework.Status) bool {
	return CasePublic(st) && (src == casework.SourceCitizen || src == casework.SourcePatrol)
}

// PhotoUse is one case that cites a photo: Reporter is true when the photo
// came with the report itself (the report event), false for a staff photo
// (核实, 处置, 核查).
type PhotoUse struct {
	CaseID   string
	Status   casework.Status
	Source   casework.Source
	Reporter bool
}

// PhotoPublic reports whether anyone may see a photo cited by uses: some
// public case has it as its reporter's photo. A photo no case cites is not
// public.
func PhotoPublic(uses []PhotoUse) bool {
	for _, u := range uses {
		if u.Reporter && ReporterPhotosPublic(u.Source, u.Status) {
			return true
		}
	}
	return false
}
