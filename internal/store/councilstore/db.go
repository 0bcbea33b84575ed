package councilstore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/council"
	"cityloop/internal/errs"
	"cityloop/internal/pii"
	"cityloop/internal/store/sqlkit"
)

// VersionTable is where goose keeps this store's migration version.
const VersionTable = "council_goose_db_version"

// DB is the council store. Safe for concurrent use once SetKeyring has
// been called (the node calls it before serving).
type DB struct {
	postgres bool
	w, r     *sql.DB
	keys     *pii.Keyring
}

var _ council.Store = (*DB)(nil)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// Open connects to the app's database (the DSN forms of sqlkit.Open).
func Open(ctx context.Context, dsn string) (*DB, error) {
	// Registrations, sign-ins and votes are a few a minute at most.
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "council store", PostgresConns: 3, SQLiteReaders: 2, ForeignKeys: true})
	if err != nil {
		return nil, err
	}
	return &DB{postgres: p.Postgres, w: p.W, r: p.R}, nil
}

// SetKeyring makes the store seal volunteers' phones; without one they are
// stored as given (tests).
func (db *DB) SetKeyring(k *pii.Keyring) { db.keys = k }

// Close closes the pools.
func (db *DB) Close() error { return sqlkit.Pools{W: db.w, R: db.r, Postgres: db.postgres}.Close() }

// Migrate brings the tables up to date, in their own version table.
func (db *DB) Migrate(ctx context.Context) error {
	err := sqlkit.Migrate(ctx, db.w, sqlkit.Migration{FS: sqlkit.DialectFS(migrationsFS, db.postgres), Postgres: db.postgres, VersionTable: VersionTable, LockName: "cityloop-council-migrate"})
	if err != nil {
		return fmt.Errorf("migrate council store: %w", sqlkit.Norm(err))
	}
	return nil
}

func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return sqlkit.Norm(sqlkit.Tx(ctx, db.w, 4, sqlkit.Retryable, fn))
}

// sealedPrefix starts every sealed value (pii.Keyring's format).
const sealedPrefix = "v1:"

// phoneAAD binds a sealed phone to its volunteer, so a value copied into
// another row does not open.
func phoneAAD(id string) string { return "council/volunteer/" + id + "/phone" }

func (db *DB) seal(id, phone string) (string, error) {
	if db.keys == nil || phone == "" {
		return phone, nil
	}
	s, err := db.keys.Encrypt(phone, phoneAAD(id))
	if err != nil {
		return "", fmt.Errorf("seal volunteer %s phone: %w", id, err)
	}
	return s, nil
}

// open reads a sealed phone; one that cannot be opened (a lost key) reads
// as empty rather than making the list unreadable, as in sqlstore.
func (db *DB) open(id, stored string) string {
	if !strings.HasPrefix(stored, sealedPrefix) {
		return stored
	}
	if db.keys == nil {
		return ""
	}
	plain, err := db.keys.Decrypt(stored, phoneAAD(id))
	if err != nil {
		return ""
	}
	return plain
}

// where is the filter's WHERE clause and arguments over a table with a
// community column (and a state column when f.State is set).
func where(f council.Filter) (string, []any) {
	var conds []string
	var args []any
	if f.Communities != nil {
		if len(f.Communities) == 0 {
			return " WHERE 1 = 0", nil
		}
		conds = append(conds, "community IN ("+sqlkit.List(len(f.Communities), 1)+")")
		for _, c := range f.Communities {
			args = append(args, c)
		}
	}
	if f.State != "" {
		args = append(args, string(f.State))
		conds = append(conds, "state = $"+strconv.Itoa(len(args)))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// page runs the count and the page of a list query.
func page[T any](ctx context.Context, db *DB, what, table, cols, order string, f council.Filter, scan func(*sql.Rows) (T, error)) ([]T, int, error) {
	w, args := where(f)
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", what, sqlkit.Norm(err))
	}
	limit := min(max(f.Limit, 1), 500)
	n := len(args)
	q := `SELECT ` + cols + ` FROM ` + table + w + ` ORDER BY ` + order + ` LIMIT $` + strconv.Itoa(n+1) + ` OFFSET $` + strconv.Itoa(n+2)
	rows, err := db.r.QueryContext(ctx, q, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("find %s: %w", what, sqlkit.Norm(err))
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find %s: %w", what, sqlkit.Norm(err))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find %s: %w", what, sqlkit.Norm(err))
	}
	return out, total, nil
}

type scanner interface{ Scan(...any) error }

// notFound turns sql.ErrNoRows into an actionable NotFound.
func notFound(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFound("没有编号为 %s 的%s / no %s %s", id, what, what, id)
	}
	return fmt.Errorf("find %s %s: %w", what, id, sqlkit.Norm(err))
}

// Volunteers.

const volunteerCols = `id, name, phone, community, skills, hours, created_at, created_by`

func (db *DB) scanVolunteer(row scanner) (*council.Volunteer, error) {
	var v council.Volunteer
	var skills string
	var at int64
	if err := row.Scan(&v.ID, &v.Name, &v.Phone, &v.Community, &skills, &v.Hours, &at, &v.Registered); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(skills), &v.Skills); err != nil {
		return nil, fmt.Errorf("volunteer %s skills: %w", v.ID, err)
	}
	v.Phone, v.CreatedAt = db.open(v.ID, v.Phone), sqlkit.Time(at)
	return &v, nil
}

// AddVolunteer stores a registration.
func (db *DB) AddVolunteer(ctx context.Context, v *council.Volunteer) error {
	phone, err := db.seal(v.ID, v.Phone)
	if err != nil {
		return err
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO volunteers (`+volunteerCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			v.ID, v.Name, phone, v.Community, sqlkit.Strings(v.Skills), v.Hours, sqlkit.Micros(v.CreatedAt), v.Registered)
		return err
	})
	if err != nil {
		return fmt.Errorf("add volunteer %s: %w", v.ID, err)
	}
	return nil
}

// FindVolunteer is one volunteer; NotFound when missing.
func (db *DB) FindVolunteer(ctx context.Context, id string) (*council.Volunteer, error) {
	v, err := db.scanVolunteer(db.r.QueryRowContext(ctx, `SELECT `+volunteerCols+` FROM volunteers WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "志愿者 volunteer", id)
	}
	return v, nil
}

// FindVolunteers lists volunteers, newest first, and counts the filter's.
func (db *DB) FindVolunteers(ctx context.Context, f council.Filter) ([]*council.Volunteer, int, error) {
	f.State = ""
	return page(ctx, db, "volunteers", "volunteers", volunteerCols, "created_at DESC, id DESC", f,
		func(r *sql.Rows) (*council.Volunteer, error) { return db.scanVolunteer(r) })
}

// Activities and attendance.

const activityCols = `id, title, community, lng, lat, radius_m, starts_at, ends_at`

func scanActivity(row scanner) (*council.Activity, error) {
	var a council.Activity
	var from, to int64
	if err := row.Scan(&a.ID, &a.Title, &a.Community, &a.Place.Lng, &a.Place.Lat, &a.RadiusM, &from, &to); err != nil {
		return nil, err
	}
	a.Start, a.End = sqlkit.Time(from), sqlkit.Time(to)
	return &a, nil
}

// AddActivity stores an activity.
func (db *DB) AddActivity(ctx context.Context, a *council.Activity) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO volunteer_activities (`+activityCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			a.ID, a.Title, a.Community, a.Place.Lng, a.Place.Lat, a.RadiusM, sqlkit.Micros(a.Start), sqlkit.Micros(a.End))
		return err
	})
	if err != nil {
		return fmt.Errorf("add activity %s: %w", a.ID, err)
	}
	return nil
}

// FindActivity is one activity; NotFound when missing.
func (db *DB) FindActivity(ctx context.Context, id string) (*council.Activity, error) {
	a, err := scanActivity(db.r.QueryRowContext(ctx, `SELECT `+activityCols+` FROM volunteer_activities WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "志愿活动 activity", id)
	}
	return a, nil
}

// FindActivities lists activities, latest start first.
func (db *DB) FindActivities(ctx context.Context, f council.Filter) ([]*council.Activity, int, error) {
	f.State = ""
	return page(ctx, db, "activities", "volunteer_activities", activityCols, "starts_at DESC, id DESC", f,
		func(r *sql.Rows) (*council.Activity, error) { return scanActivity(r) })
}

// SignIn records an arrival; the primary key refuses a second one.
func (db *DB) SignIn(ctx context.Context, a *council.Attendance) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO volunteer_attendance (activity_id, volunteer_id, signed_in_at, recorded_by) VALUES ($1, $2, $3, $4)`,
			a.ActivityID, a.VolunteerID, sqlkit.Micros(a.In), a.RecordedBy)
		return err
	})
	if errs.KindOf(err) == errs.KindConflict {
		return errs.Conflict("该志愿者已签到此活动 / the volunteer has already signed in to this activity")
	}
	if err != nil {
		return fmt.Errorf("sign in %s to %s: %w", a.VolunteerID, a.ActivityID, err)
	}
	return nil
}

const attendanceCols = `activity_id, volunteer_id, signed_in_at, signed_out_at, hours, recorded_by`

func scanAttendance(row scanner) (*council.Attendance, error) {
	var a council.Attendance
	var in int64
	var out sql.Null[int64]
	if err := row.Scan(&a.ActivityID, &a.VolunteerID, &in, &out, &a.Hours, &a.RecordedBy); err != nil {
		return nil, err
	}
	a.In, a.Out = sqlkit.Time(in), sqlkit.NullTime(out)
	return &a, nil
}

// FindAttendance is a volunteer's attendance at an activity.
func (db *DB) FindAttendance(ctx context.Context, activityID, volunteerID string) (*council.Attendance, error) {
	a, err := scanAttendance(db.r.QueryRowContext(ctx, `SELECT `+attendanceCols+` FROM volunteer_attendance WHERE activity_id = $1 AND volunteer_id = $2`,
		activityID, volunteerID))
	if err != nil {
		return nil, notFound(err, "签到记录 attendance", volunteerID+"@"+activityID)
	}
	return a, nil
}

// SignOut closes the open attendance and credits the hours, together.
func (db *DB) SignOut(ctx context.Context, activityID, volunteerID string, out time.Time, hours float64) (*council.Attendance, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE volunteer_attendance SET signed_out_at = $1, hours = $2
			WHERE activity_id = $3 AND volunteer_id = $4 AND signed_out_at IS NULL`, sqlkit.Micros(out), hours, activityID, volunteerID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, errs.Conflict("该志愿者未签到或已签退 / the volunteer has not signed in or has already signed out"))
		}
		_, err = tx.ExecContext(ctx, `UPDATE volunteers SET hours = hours + $1 WHERE id = $2`, hours, volunteerID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sign out %s from %s: %w", volunteerID, activityID, err)
	}
	return db.FindAttendance(ctx, activityID, volunteerID)
}

// Topics.

const topicCols = `id, community, title, body, state, answer, yes_votes, no_votes, opinions, created_at, created_by, updated_at, version`

func scanTopic(row scanner) (*council.Topic, error) {
	var t council.Topic
	var state string
	var at, upd int64
	if err := row.Scan(&t.ID, &t.Community, &t.Title, &t.Body, &state, &t.Answer, &t.Yes, &t.No, &t.Opinions, &at, &t.CreatedBy, &upd, &t.Version); err != nil {
		return nil, err
	}
	t.State, t.CreatedAt, t.UpdatedAt = council.State(state), sqlkit.Time(at), sqlkit.Time(upd)
	return &t, nil
}

// AddTopic stores a new topic at version 1.
func (db *DB) AddTopic(ctx context.Context, t *council.Topic) error {
	t.Version = 1
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO council_topics (`+topicCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			t.ID, t.Community, t.Title, t.Body, string(t.State), t.Answer, t.Yes, t.No, t.Opinions,
			sqlkit.Micros(t.CreatedAt), t.CreatedBy, sqlkit.Micros(t.UpdatedAt), t.Version)
		return err
	})
	if err != nil {
		return fmt.Errorf("add topic %s: %w", t.ID, err)
	}
	return nil
}

// FindTopic is one topic; NotFound when missing.
func (db *DB) FindTopic(ctx context.Context, id string) (*council.Topic, error) {
	t, err := scanTopic(db.r.QueryRowContext(ctx, `SELECT `+topicCols+` FROM council_topics WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "议题 topic", id)
	}
	return t, nil
}

// FindTopics lists topics, newest first.
func (db *DB) FindTopics(ctx context.Context, f council.Filter) ([]*council.Topic, int, error) {
	return page(ctx, db, "topics", "council_topics", topicCols, "created_at DESC, id DESC", f,
		func(r *sql.Rows) (*council.Topic, error) { return scanTopic(r) })
}

// SaveStep stores the moved topic and its step if nobody moved it first.
func (db *DB) SaveStep(ctx context.Context, t *council.Topic, st council.Step) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE council_topics SET state = $1, answer = $2, updated_at = $3, version = version + 1
			WHERE id = $4 AND version = $5`, string(t.State), t.Answer, sqlkit.Micros(t.UpdatedAt), t.ID, t.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, errs.Conflict("议题已被他人更新，请刷新后重试 / the topic was changed meanwhile; reload and try again"))
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO council_steps (topic_id, seq, action, from_state, to_state, note, by_actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			t.ID, t.Version+1, string(st.Action), string(st.From), string(st.To), st.Note, st.By, sqlkit.Micros(st.At))
		return err
	})
	if err != nil {
		return fmt.Errorf("move topic %s by %s: %w", t.ID, st.Action, err)
	}
	t.Version++
	return nil
}

// Steps is a topic's history, oldest first.
func (db *DB) Steps(ctx context.Context, topicID string) ([]council.Step, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT action, from_state, to_state, note, by_actor, at FROM council_steps WHERE topic_id = $1 ORDER BY seq`, topicID)
	if err != nil {
		return nil, fmt.Errorf("steps of topic %s: %w", topicID, sqlkit.Norm(err))
	}
	defer rows.Close()
	out := []council.Step{}
	for rows.Next() {
		s := council.Step{TopicID: topicID}
		var a, from, to string
		var at int64
		if err := rows.Scan(&a, &from, &to, &s.Note, &s.By, &at); err != nil {
			return nil, fmt.Errorf("steps of topic %s: %w", topicID, sqlkit.Norm(err))
		}
		s.Action, s.From, s.To, s.At = council.Action(a), council.State(from), council.State(to), sqlkit.Time(at)
		out = append(out, s)
	}
	return out, sqlkit.Norm(rows.Err())
}

// count adds one to a topic's counter if the topic is still in state.
func count(ctx context.Context, tx *sql.Tx, column, id string, state council.State) error {
	res, err := tx.ExecContext(ctx, `UPDATE council_topics SET `+column+` = `+column+` + 1 WHERE id = $1 AND state = $2`, id, string(state))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(err, errs.Conflict("议题已不在%s / the topic is no longer %s", council.StateNames[state][0], state).
			With("allowed_actions", council.Allowed(state)))
	}
	return nil
}

// AddOpinion stores and counts an opinion while the topic collects them.
func (db *DB) AddOpinion(ctx context.Context, o *council.Opinion) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := count(ctx, tx, "opinions", o.TopicID, council.Collecting); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO council_opinions (topic_id, person, text, at) VALUES ($1, $2, $3, $4)`,
			o.TopicID, o.Person, o.Text, sqlkit.Micros(o.At))
		return err
	})
	if err != nil {
		return fmt.Errorf("opinion on topic %s: %w", o.TopicID, err)
	}
	return nil
}

// Opinions lists a topic's opinions, oldest first.
func (db *DB) Opinions(ctx context.Context, topicID string, limit int) ([]council.Opinion, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT person, text, at FROM council_opinions WHERE topic_id = $1 ORDER BY at, person LIMIT $2`,
		topicID, min(max(limit, 1), 500))
	if err != nil {
		return nil, fmt.Errorf("opinions on topic %s: %w", topicID, sqlkit.Norm(err))
	}
	defer rows.Close()
	out := []council.Opinion{}
	for rows.Next() {
		o := council.Opinion{TopicID: topicID}
		var at int64
		if err := rows.Scan(&o.Person, &o.Text, &at); err != nil {
			return nil, fmt.Errorf("opinions on topic %s: %w", topicID, sqlkit.Norm(err))
		}
		o.At = sqlkit.Time(at)
		out = append(out, o)
	}
	return out, sqlkit.Norm(rows.Err())
}

// AddVote stores and counts a vote while the topic is put to the vote; the
// primary key refuses a person's second vote.
func (db *DB) AddVote(ctx context.Context, v *council.Vote) error {
	col := "no_votes"
	if v.Yes {
		col = "yes_votes"
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := count(ctx, tx, col, v.TopicID, council.Voting); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO council_votes (topic_id, person, yes, at) VALUES ($1, $2, $3, $4)`,
			v.TopicID, v.Person, sqlkit.Bool(v.Yes), sqlkit.Micros(v.At))
		if errs.KindOf(sqlkit.Norm(err)) == errs.KindConflict {
			return errs.Conflict("每人只能投一票，%s 已投过票 / one vote per person: %s has already voted", v.Person, v.Person)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("vote on topic %s: %w", v.TopicID, err)
	}
	return nil
}

// ReadPool exposes the read pool for inspection in tests.
func (db *DB) ReadPool() *sql.DB { return db.r }
