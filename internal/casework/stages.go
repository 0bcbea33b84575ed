package casework

import "time"

// The stage record: which stages of the loop a case has entered (seen),
// left by an action (done), and overrun (late: left after the stage's
// deadline, or marked overdue by the sweep while in it). The per-post
// rates of DOMAIN.md §5 (按时核实率, 按时核查率, 按时立案率, 按时派遣率,
// 核实按时派发率) count from it; a stage deadline is gone once the case
// moves on, so the verdict has to be kept when the stage ends. Each is a
// bit set, one bit per stage, so the store can test it in SQL with "&".
// Cases stored before the record existed have all three empty, and every
// fact that reads it is false for them: their periods show no value for
// these rates rather than a made-up one.
const (
	StageBitAccept   = 1 << iota // 受理
	StageBitVerify               // 核实
	StageBitFile                 // 立案
	StageBitDispatch             // 派遣
	StageBitSign                 // 签收
	StageBitDispose              // 处置
	StageBitCheck                // 核查
	StageBitClose                // 结案
)

var stageBits = map[string]int{"accept": StageBitAccept, "verify": StageBitVerify, "file": StageBitFile,
	"dispatch": StageBitDispatch, "sign": StageBitSign, "dispose": StageBitDispose, "check": StageBitCheck,
	"close": StageBitClose}

// leaveStage records the end of the current stage at now: done, and late
// when now is past its deadline. A paused clock has no deadline, so a
// stage left while suspended is not late.
func leaveStage(c *Case, now time.Time) {
	b := stageBits[c.Stage]
	if b == 0 {
		return
	}
	c.StagesDone |= b
	if c.StageDue != nil && now.After(*c.StageDue) {
		c.StagesLate |= b
	}
}

// stageDoneOnTime reports whether the stage bit b was left and never late.
func (c *Case) stageDoneOnTime(b int) bool { return c.StagesDone&b != 0 && c.StagesLate&b == 0 }

// stageDue reports whether the stage bit b is owed: left, or overrun
// while the case is still in it (like 应结案 = disposed + overdue).
func (c *Case) stageDue(b int) bool { return (c.StagesDone|c.StagesLate)&b != 0 }
