package inspect

import (
	"slices"
	"time"

	"cityloop/internal/disclose"
	"cityloop/internal/pii"
)

// PublicPlan is what the public portal shows of a plan (the 公开 of
// 双随机一公开): the commitment from the moment it is made, then the
// revealed seed, the drawn objects with their officers (name and
// certificate number, public by law), and the outcomes. It never carries a
// phone number, a contact person or a conflict's reason; free text goes
// through disclose.MaskText like every public text.
type PublicPlan struct {
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	Period         string         `json:"period"`
	District       string         `json:"district"`
	Count          int            `json:"count"`
	PerObject      int            `json:"per_object"`
	ResultDays     int            `json:"result_days"`
	Status         Status         `json:"status"`
	StatusName     string         `json:"status_name"`
	ObjectCount    int            `json:"object_count"`
	InspectorCount int            `json:"inspector_count"`
	PlanHash       string         `json:"plan_hash"`
	Commitment     string         `json:"commitment"`
	CommittedAt    time.Time      `json:"committed_at"`
	Seed           string         `json:"seed,omitempty"` // only once drawn
	DrawnAt        *time.Time     `json:"drawn_at,omitempty"`
	Results        []PublicResult `json:"results"`
}

// PublicResult is one drawn object as published.
type PublicResult struct {
	Object      ObjectRef  `json:"object"`
	KindName    string     `json:"kind_name"`
	Inspectors  []Officer  `json:"inspectors"`
	Outcome     string     `json:"outcome,omitempty"`
	OutcomeName string     `json:"outcome_name,omitempty"`
	Note        string     `json:"note,omitempty"`
	InspectedAt *time.Time `json:"inspected_at,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	PublishBy   *time.Time `json:"publish_by,omitempty"`
	OnTime      *bool      `json:"on_time,omitempty"`
}

// PublicOf is the public view of a committed or drawn plan. The caller
// makes sure it is not a draft (a draft has no commitment and shows
// nothing).
func PublicOf(p *Plan) PublicPlan {
	v := PublicPlan{ID: p.ID, Name: p.Name, Period: p.Period, District: p.District, Count: p.Count, PerObject: p.PerObject,
		ResultDays: p.ResultDays, Status: p.Status, StatusName: StatusName(p.Status), ObjectCount: p.ObjectCount,
		InspectorCount: p.InspectorCount, Results: []PublicResult{}}
	if p.Commitment != nil {
		v.PlanHash, v.Commitment, v.CommittedAt = p.Commitment.PlanHash, p.Commitment.SeedHash, p.Commitment.CommittedAt
	}
	if p.Status != StatusDrawn || p.Draw == nil {
		return v
	}
	v.Seed = p.Draw.Seed
	at := p.Draw.DrawnAt
	v.DrawnAt = &at
	for _, a := range p.Draw.Assignments {
		obj := a.Object
		obj.Address = disclose.MaskText(obj.Address)
		r := PublicResult{Object: obj, KindName: KindName(obj.Kind), Inspectors: slices.Clone(a.Inspectors)}
		if o := a.Outcome; o != nil {
			inspected, published, by, onTime := o.InspectedAt, o.RecordedAt, o.PublishBy, o.OnTime()
			r.Outcome, r.OutcomeName, r.Note = string(o.Kind), OutcomeName(o.Kind), disclose.MaskText(o.Note)
			r.InspectedAt, r.PublishedAt, r.PublishBy, r.OnTime = &inspected, &published, &by, &onTime
		}
		v.Results = append(v.Results, r)
	}
	return v
}

// Masked is a copy of the plan for staff screens: contacts, phones and
// conflict reasons masked (pii), the rest as stored. No screen shows them
// in full: the officers reach the people through their own channels.
func (p *Plan) Masked() *Plan {
	q := *p
	q.Objects = slices.Clone(p.Objects)
	for i := range q.Objects {
		q.Objects[i].Contact = pii.MaskName(q.Objects[i].Contact)
		q.Objects[i].Phone = pii.MaskPhone(q.Objects[i].Phone)
	}
	q.Inspectors = slices.Clone(p.Inspectors)
	for i := range q.Inspectors {
		q.Inspectors[i].Phone = pii.MaskPhone(q.Inspectors[i].Phone)
	}
	q.Conflicts = slices.Clone(p.Conflicts)
	for i := range q.Conflicts {
		if q.Conflicts[i].Reason != "" {
			q.Conflicts[i].Reason = "（已密封 / sealed）"
		}
	}
	return &q
}
