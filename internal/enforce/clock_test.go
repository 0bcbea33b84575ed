package enforce

import (
	"testing"
	"time"

	"cityloop/internal/worktime"
)

var cst = time.FixedZone("CST", 8*3600)

func at(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, cst) }

func mustCal(t testing.TB) *worktime.Calendar {
	t.Helper()
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// The 2025 calendar: 国庆节、中秋节 1–8 October off, Sunday 28 September and
// Saturday 11 October worked (调休); 春节 28 January – 4 February off.
func TestTerm_Due(t *testing.T) {
	cal := mustCal(t)
	tests := []struct {
		name  string
		term  Term
		start time.Time
		want  time.Time // midnight after the last day
	}{
		{"hearing request: 5 working days over National Day, counting the 调休 Saturday", TermOf(ClockHearingRequest),
			at(2025, 9, 30, 10, 0), at(2025, 10, 15, 0, 0)},
		{"hearing request from a Friday: the 调休 Sunday 28 September counts", TermOf(ClockHearingRequest),
			at(2025, 9, 26, 16, 0), at(2025, 10, 11, 0, 0)},
		{"service: 7 working days over a plain weekend", TermOf(ClockService),
			at(2025, 3, 3, 9, 0), at(2025, 3, 13, 0, 0)},
		{"hearing notice: the earliest hearing after 7 working days", TermOf(ClockHearingNotice),
			at(2025, 9, 29, 9, 0), at(2025, 10, 16, 0, 0)},
		{"cash hand-in: 2 working days after the holiday", TermOf(ClockCashHandIn),
			at(2025, 9, 30, 9, 0), at(2025, 10, 11, 0, 0)},
		{"preservation: 7 working days over Spring Festival with both 调休 days", TermOf(ClockPreservation),
			at(2025, 1, 24, 9, 0), at(2025, 2, 11, 0, 0)}, // 26 Jan, 27 Jan, 5–7 Feb, 8 Feb, 10 Feb
		{"payment: 15 calendar days ending in the holiday move to its first working day", TermOf(ClockPayment),
			at(2025, 9, 20, 11, 0), at(2025, 10, 10, 0, 0)},
		{"payment: a last day on an ordinary Saturday moves to Monday", TermOf(ClockPayment),
			at(2025, 3, 7, 11, 0), at(2025, 3, 25, 0, 0)},
		{"payment: a last day on a 调休 Saturday stays", TermOf(ClockPayment),
			at(2025, 9, 26, 11, 0), at(2025, 10, 12, 0, 0)},
		{"decision: 90 calendar days", TermOf(ClockDecision),
			at(2025, 1, 2, 10, 0), at(2025, 4, 3, 0, 0)},
		{"decision: 90 days ending in Spring Festival move past it", TermOf(ClockDecision),
			at(2024, 11, 1, 10, 0), at(2025, 2, 6, 0, 0)},
		{"limitation: two years", LimitationTerm(false),
			at(2023, 6, 10, 8, 0), at(2025, 6, 11, 0, 0)},
		{"limitation: five years for grave acts, beyond the covered years (Mon–Fri)", LimitationTerm(true),
			at(2023, 6, 10, 8, 0), at(2028, 6, 13, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.term.Due(cal, tt.start); !got.Equal(tt.want) {
				t.Errorf("Due(%s) = %s, want %s", tt.start, got, tt.want)
			}
		})
	}
}

func TestTerm_View(t *testing.T) {
	cal := mustCal(t)
	term := TermOf(ClockHearingRequest)
	start := at(2025, 9, 30, 10, 0) // due 15 October 00:00
	tests := []struct {
		name string
		now  time.Time
		want worktime.Light
		warn bool
	}{
		{"during the holiday nothing is used", at(2025, 10, 5, 12, 0), worktime.Green, false},
		{"three and a half working days used", at(2025, 10, 13, 12, 0), worktime.Green, false},
		{"four of five working days used: yellow", at(2025, 10, 14, 0, 0), worktime.Yellow, true},
		{"exactly at the due instant: still on time", at(2025, 10, 15, 0, 0), worktime.Yellow, true},
		{"past due: red", at(2025, 10, 15, 0, 1), worktime.Red, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := term.View(cal, start, tt.now)
			if v.Light != tt.want || (v.Warning != "") != tt.warn {
				t.Errorf("light %s warning %q, want %s warn=%v", v.Light, v.Warning, tt.want, tt.warn)
			}
		})
	}
}

func TestSurcharge(t *testing.T) {
	cal := mustCal(t)
	due := TermOf(ClockPayment).Due(cal, at(2025, 9, 20, 11, 0)) // 10 October 00:00
	tests := []struct {
		name string
		fine float64
		now  time.Time
		want float64
	}{
		{"before the end of the period", 1000, at(2025, 10, 9, 23, 59), 0},
		{"first day late: 3 %", 1000, at(2025, 10, 10, 9, 0), 30},
		{"eleven days late", 1000, at(2025, 10, 20, 9, 0), 330},
		{"capped at the fine (Art. 72)", 1000, at(2025, 11, 30, 9, 0), 1000},
		{"cents kept", 333.33, at(2025, 10, 10, 9, 0), 10},
		{"no fine, no surcharge", 0, at(2025, 11, 30, 9, 0), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Surcharge(cal, tt.fine, due, tt.now); got != tt.want {
				t.Errorf("Surcharge = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClocks_OnCase(t *testing.T) {
	cal := mustCal(t)
	filed, notified := at(2025, 8, 1, 9, 0), at(2025, 9, 30, 10, 0)
	c := Case{Procedure: Ordinary, Status: StatusNotified, FiledAt: &filed, NotifiedAt: &notified,
		Proposal: &Proposal{Hearing: true}, Records: []Record{{Kind: RecPreservation, At: at(2025, 9, 29, 9, 0)}}}
	got := Clocks(c, cal, DefaultPolicy(), at(2025, 10, 14, 9, 0))
	// hearing request due 15 October, preservation (from 29 September) 16 October, decision 31 October.
	want := []ClockKind{ClockHearingRequest, ClockPreservation, ClockDecision}
	if len(got) != len(want) {
		t.Fatalf("clocks %+v, want kinds %v", got, want)
	}
	for i, k := range want {
		if got[i].Term.Kind != k {
			t.Errorf("clock %d = %s, want %s", i, got[i].Term.Kind, k)
		}
	}
	// 4.4 of 5 working days, 5.4 of 7 working days, 73.4 of 90 days.
	if got[0].Light != worktime.Yellow || got[1].Light != worktime.Green || got[2].Light != worktime.Yellow {
		t.Errorf("lights %s %s %s, want yellow green yellow", got[0].Light, got[1].Light, got[2].Light)
	}
	// Without the hearing right the window is the policy's statement days.
	c.Proposal.Hearing = false
	c.Records = nil
	got = Clocks(c, cal, DefaultPolicy(), at(2025, 10, 1, 9, 0))
	if len(got) != 2 || got[0].Term.Kind != ClockStatement || !got[0].Due.Equal(at(2025, 10, 12, 0, 0)) {
		t.Errorf("statement clock %+v, want due at the end of 11 October (3 working days: 9, 10, 11 October)", got)
	}
}
