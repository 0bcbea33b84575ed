package casework

import (
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Status is where a case is in the loop. Values are English snake_case in the
// API; StatusNames gives the standard Chinese term the interface shows.
type Status string

const (
	StatusPendingAccept   Status = "pending_accept"   // 待受理
	StatusPendingVerify   Status = "pending_verify"   // 待核实
	StatusPendingFile     Status = "pending_file"     // 待立案
	StatusPendingDispatch Status = "pending_dispatch" // 待派遣
	StatusDispatched      Status = "dispatched"       // 待签收
	StatusInDisposal      Status = "in_disposal"      // 处置中
	StatusReturned        Status = "returned"         // 回退待审
	StatusSuspended       Status = "suspended"        // 挂账
	StatusPendingCheck    Status = "pending_check"    // 待核查
	StatusPendingClose    Status = "pending_close"    // 待结案
	StatusClosed          Status = "closed"           // 已结案
	StatusRejected        Status = "rejected"         // 不予受理
	StatusVoided          Status = "voided"           // 作废
	StatusMerged          Status = "merged"           // 已合并 (duplicate of another case)
)

// StatusNames gives the Chinese and English names of each status.
var StatusNames = map[Status][2]string{
	StatusPendingAccept:   {"待受理", "Awaiting acceptance"},
	StatusPendingVerify:   {"待核实", "Awaiting verification"},
	StatusPendingFile:     {"待立案", "Awaiting filing"},
	StatusPendingDispatch: {"待派遣", "Awaiting dispatch"},
	StatusDispatched:      {"待签收", "Awaiting sign-off"},
	StatusInDisposal:      {"处置中", "In disposal"},
	StatusReturned:        {"回退待审", "Returned"},
	StatusSuspended:       {"挂账", "Suspended"},
	StatusPendingCheck:    {"待核查", "Awaiting check"},
	StatusPendingClose:    {"待结案", "Awaiting closure"},
	StatusClosed:          {"已结案", "Closed"},
	StatusRejected:        {"不予受理", "Rejected"},
	StatusVoided:          {"作废", "Voided"},
	StatusMerged:          {"已合并", "Merged"},
}

// Statuses lists every status in loop order.
var Statuses = []Status{
	StatusPendingAccept, StatusPendingVerify, StatusPendingFile, StatusPendingDispatch,
	StatusDispatched, StatusInDisposal, StatusReturned, StatusSuspended, StatusPendingCheck,
	StatusPendingClose, StatusClosed, StatusRejected, StatusVoided, StatusMerged,
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := StatusNames[s]; return ok }

// Zh is the standard Chinese term.
func (s Status) Zh() string { return StatusNames[s][0] }

// Terminal reports whether the case has left the loop.
func (s Status) Terminal() bool {
	return s == StatusClosed || s == StatusRejected || s == StatusVoided || s == StatusMerged
}

// Source is the channel a case came in through.
type Source string

const (
	SourcePatrol  Source = "patrol"  // 监督员巡查
	SourceCitizen Source = "citizen" // 市民随手拍
	SourceHotline Source = "hotline" // 12345 热线
	SourceCamera  Source = "camera"  // AI 视频
	SourceSensor  Source = "sensor"  // 物联感知
	SourcePartner Source = "partner" // 部门共享
	SourceLeader  Source = "leader"  // 领导交办
)

// SourceNames gives the Chinese and English names of each source.
var SourceNames = map[Source][2]string{
	SourcePatrol:  {"监督员巡查", "Supervisor patrol"},
	SourceCitizen: {"市民随手拍", "Citizen report"},
	SourceHotline: {"12345热线", "12345 hotline"},
	SourceCamera:  {"AI视频识别", "AI camera"},
	SourceSensor:  {"物联感知", "IoT sensor"},
	SourcePartner: {"部门共享", "Partner department"},
	SourceLeader:  {"领导交办", "Leader instruction"},
}

// Valid reports whether s is a known source.
func (s Source) Valid() bool { _, ok := SourceNames[s]; return ok }

// Machine reports whether the source is a device whose duplicates merge by themselves.
func (s Source) Machine() bool { return s == SourceCamera || s == SourceSensor }

// Case is one problem on its way around the loop.
type Case struct {
	ID           string          `json:"id"`
	Code         string          `json:"code"`
	Status       Status          `json:"status"`
	Source       Source          `json:"source"`
	Category     *catalog.Ref    `json:"category,omitempty"`
	Condition    int             `json:"condition,omitempty"` // filing condition number (立案条件)
	Urgency      catalog.Urgency `json:"urgency,omitempty"`
	Description  string          `json:"description"`
	Address      string          `json:"address,omitempty"`
	Point        geo.Point       `json:"-"`
	Grid         string          `json:"grid"`
	Community    string          `json:"community"`
	Street       string          `json:"street"`
	District     string          `json:"district"`
	Department   string          `json:"department,omitempty"`
	Suggested    string          `json:"suggested_department,omitempty"`
	ReporterID   string          `json:"reporter_id,omitempty"`
	Reporter     string          `json:"reporter_name,omitempty"`
	Phone        string          `json:"reporter_phone,omitempty"`
	ExternalRef  string          `json:"external_ref,omitempty"`
	Photos       []string        `json:"photos"`
	AfterPhotos  []string        `json:"after_photos"`
	MergedInto   string          `json:"merged_into,omitempty"`
	Recurrence   string          `json:"recurrence_of,omitempty"`
	SelfHandled  bool            `json:"self_handled"`
	Reworks      int             `json:"rework_count"`
	Returns      int             `json:"return_count"`
	Shirks       int             `json:"shirk_count"` // unfounded returns (推诿)
	Extensions   int             `json:"extension_count"`
	Urges        int             `json:"urge_count"`
	Pending      *Request        `json:"pending_request,omitempty"`
	Stage        string          `json:"stage,omitempty"`
	StageClock   *worktime.Clock `json:"-"`
	CaseClock    *worktime.Clock `json:"-"`
	StageDue     *time.Time      `json:"stage_due_at,omitempty"`
	StageWarn    *time.Time      `json:"-"`
	CaseDue      *time.Time      `json:"case_due_at,omitempty"`
	Overdue      bool            `json:"overdue"`
	ClosedLate   bool            `json:"closed_late"`
	DisposedLate bool            `json:"disposed_late"`          // a disposal fed back after its stage deadline (超期处置)
	ClosureKind  string          `json:"closure_kind,omitempty"` // 正常结案 normal | 超时结案 late
	Satisfaction string          `json:"satisfaction,omitempty"`
	ReportedAt   time.Time       `json:"reported_at"`
	FiledAt      *time.Time      `json:"filed_at,omitempty"`
	DispatchedAt *time.Time      `json:"dispatched_at,omitempty"`
	DisposedAt   *time.Time      `json:"disposed_at,omitempty"`
	ClosedAt     *time.Time      `json:"closed_at,omitempty"`
	UpdatedAt    time.Time       `json:"updated_at"`
	Version      int             `json:"version"`

	// The stage record (stages.go): bit sets of the stages entered, left
	// and overrun.
	StagesSeen, StagesDone, StagesLate int `json:"-"`
}

// Request is an application that waits for approval: an extension (延期) or
// a suspension (挂账). At most one is pending at a time.
type Request struct {
	Kind   string          `json:"kind"` // "extension" | "suspension"
	By     string          `json:"by"`
	At     time.Time       `json:"at"`
	Reason string          `json:"reason"`
	Extra  *worktime.Limit `json:"extra,omitempty"`
}

// Light is the case's current traffic light at now: the stage clock's light,
// or the final verdict for a closed case. Suspended and ended cases have none.
func (c *Case) Light(now time.Time) worktime.Light {
	if c.Status == StatusClosed {
		if c.ClosedLate {
			return worktime.Red
		}
		return worktime.Green
	}
	if c.StageDue == nil {
		return ""
	}
	switch {
	case now.After(*c.StageDue):
		return worktime.Red
	case c.StageWarn != nil && !now.Before(*c.StageWarn):
		return worktime.Yellow
	}
	return worktime.Green
}

// Event is one immutable line of a case's timeline.
type Event struct {
	ID     string         `json:"id"`
	CaseID string         `json:"case_id"`
	Seq    int            `json:"seq"`
	Action Action         `json:"action"`
	From   Status         `json:"from,omitempty"`
	To     Status         `json:"to"`
	Actor  string         `json:"actor_id"`
	Name   string         `json:"actor_name"`
	Post   org.Post       `json:"post"`
	At     time.Time      `json:"at"`
	Note   string         `json:"note,omitempty"`
	Photos []string       `json:"photos,omitempty"`
	Point  *geo.Point     `json:"location,omitempty"`
	Data   map[string]any `json:"data,omitempty"`
}
