package council

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
)

// State is where a council topic is in its lifecycle.
type State string

// The lifecycle: opinions are gathered, then put to the vote, then the
// bureau or street answers officially, follows up what it promised, and
// closes the topic when done.
const (
	Collecting State = "collecting" // 征集中
	Voting     State = "voting"     // 表决中
	Answered   State = "answered"   // 已答复
	Following  State = "following"  // 跟进中
	Closed     State = "closed"     // 已办结
)

// StateNames are the states' names, Chinese first.
var StateNames = map[State][2]string{
	Collecting: {"征集中", "Collecting opinions"}, Voting: {"表决中", "Voting"},
	Answered: {"已答复", "Answered"}, Following: {"跟进中", "Following up"}, Closed: {"已办结", "Closed"},
}

// Action moves a topic.
type Action string

// The actions of the lifecycle.
const (
	OpenVote Action = "open_vote" // collecting → voting
	Answer   Action = "answer"    // voting → answered: the official answer
	FollowUp Action = "follow_up" // answered or following → following: a follow-up note
	Close    Action = "close"     // following → closed
)

// moves is the state machine: from a state, which actions lead where.
var moves = map[State]map[Action]State{
	Collecting: {OpenVote: Voting},
	Voting:     {Answer: Answered},
	Answered:   {FollowUp: Following},
	Following:  {FollowUp: Following, Close: Closed},
}

// Allowed lists the actions possible in s, sorted.
func Allowed(s State) []Action {
	out := []Action{}
	for a := range moves[s] {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Topic is one matter before a community's council.
type Topic struct {
	ID        string    `json:"id"`
	Community string    `json:"community"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	State     State     `json:"state"`
	Answer    string    `json:"answer,omitempty"` // the official answer
	Yes       int       `json:"yes"`
	No        int       `json:"no"`
	Opinions  int       `json:"opinions"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// Validate checks a new topic.
func (t *Topic) Validate() error {
	t.Title, t.Body = strings.TrimSpace(t.Title), strings.TrimSpace(t.Body)
	switch {
	case t.Title == "" || utf8.RuneCountInString(t.Title) > 80:
		return errs.Invalid("请填写议题标题（不超过80字）/ give the topic a title (at most 80 characters)").WithField("title", "1–80 characters")
	case utf8.RuneCountInString(t.Body) > 4000:
		return errs.Invalid("议题说明不超过4000字 / the description is at most 4000 characters").WithField("body", "at most 4000 characters")
	case t.Community == "":
		return errs.Invalid("请选择议题所属社区 / choose the topic's community").WithField("community", "a community's region code")
	}
	t.State = Collecting
	return nil
}

// Step is one action on a topic, with its note (the answer's text or the
// follow-up's); it is kept as the topic's history.
type Step struct {
	TopicID string    `json:"topic_id"`
	Action  Action    `json:"action"`
	From    State     `json:"from"`
	To      State     `json:"to"`
	Note    string    `json:"note,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// Apply moves t by a, or says why not: 409 with the allowed actions when a
// is not possible now, 400 when the note an answer or follow-up needs is
// missing. t is changed only on success.
func Apply(t *Topic, a Action, note, by string, at time.Time) (Step, error) {
	to, ok := moves[t.State][a]
	if !ok {
		return Step{}, errs.Conflict("议题%s，不能执行%s / the topic is %s: %s is not possible now", StateNames[t.State][0], a, t.State, a).
			With("allowed_actions", Allowed(t.State))
	}
	note = strings.TrimSpace(note)
	if (a == Answer || a == FollowUp) && note == "" {
		return Step{}, errs.Invalid("请填写答复或跟进情况 / write the answer or the follow-up").WithField("note", "the text of the answer or follow-up")
	}
	if utf8.RuneCountInString(note) > 4000 {
		return Step{}, errs.Invalid("说明不超过4000字 / the note is at most 4000 characters").WithField("note", "at most 4000 characters")
	}
	st := Step{TopicID: t.ID, Action: a, From: t.State, To: to, Note: note, By: by, At: at}
	t.State, t.UpdatedAt = to, at
	if a == Answer {
		t.Answer = note
	}
	return st, nil
}

// Opinion is one person's opinion on a topic while opinions are gathered.
type Opinion struct {
	TopicID string    `json:"topic_id"`
	Person  string    `json:"person"` // a volunteer's or resident's id
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
}

// CheckOpinion says whether o may be added to t.
func CheckOpinion(t *Topic, o *Opinion) error {
	o.Text = strings.TrimSpace(o.Text)
	if t.State != Collecting {
		return errs.Conflict("议题%s，已不再征集意见 / the topic is %s: opinions are no longer gathered", StateNames[t.State][0], t.State).
			With("allowed_actions", Allowed(t.State))
	}
	if o.Person == "" {
		return errs.Invalid("请填写发表意见者 / say whose opinion it is").WithField("person", "a volunteer's or resident's id")
	}
	if o.Text == "" || utf8.RuneCountInString(o.Text) > 2000 {
		return errs.Invalid("意见须为1–2000字 / an opinion is 1–2000 characters").WithField("text", "1–2000 characters")
	}
	return nil
}

// Vote is one person's vote on a topic; each person votes once (the store
// enforces it with a unique key, so two concurrent votes cannot both count).
type Vote struct {
	TopicID string    `json:"topic_id"`
	Person  string    `json:"person"`
	Yes     bool      `json:"yes"`
	At      time.Time `json:"at"`
}

// CheckVote says whether v may be cast on t.
func CheckVote(t *Topic, v *Vote) error {
	if t.State != Voting {
		return errs.Conflict("议题%s，不在表决期 / the topic is %s: votes are not being taken", StateNames[t.State][0], t.State).
			With("allowed_actions", Allowed(t.State))
	}
	if v.Person == "" {
		return errs.Invalid("请填写投票人 / say who votes").WithField("person", "a volunteer's or resident's id")
	}
	return nil
}
