package web

// The console's case list (/console/cases) has a search box: its text goes
// to GET /api/v1/cases as q=, which finds a case code (whole or its
// beginning), part of an address and, for the posts that see reporters'
// phones, a phone number.

func init() {
	for k, v := range consoleSearchMessages {
		messages[k] = v
	}
}

var consoleSearchMessages = map[string][2]string{
	"cs_search":       {"搜索", "Search"},
	"cs_search_label": {"案件编号、地址或上报人电话", "Case code, address or reporter's phone"},
	"cs_search_hint":  {"编号可只输前几位；电话仅受理员、值班长可查", "The start of a code is enough; phones only for operators and shift leads"},
}
