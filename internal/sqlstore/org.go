package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// OrgService implements vigil.OrgService.
type OrgService struct{ db *DB }

// NewOrgService returns the organisation service on db.
func NewOrgService(db *DB) *OrgService { return &OrgService{db: db} }

var _ vigil.OrgService = (*OrgService)(nil)

const stampCols = "created_at, created_by, updated_at, updated_by, version"

func stampDest(s *vigil.Stamp) []any {
	return []any{scanInstant{&s.CreatedAt}, nullInt{&s.CreatedBy}, scanInstant{&s.UpdatedAt}, nullInt{&s.UpdatedBy}, &s.Version}
}

// Organisation implements vigil.OrgService.
func (s *OrgService) Organisation(ctx context.Context) (*vigil.Organisation, error) {
	var o vigil.Organisation
	err := s.db.readTx(ctx, func(tx *Tx) error {
		if err := vigil.Require(ctx, vigil.ActionRead, vigil.KindOrganisation); err != nil {
			return err
		}
		f, err := tx.force(ctx)
		if err != nil {
			return err
		}
		o.Force = *f
		rows, err := tx.QueryContext(ctx, "SELECT id, force_id, code, name, "+stampCols+" FROM lpas ORDER BY name")
		if err != nil {
			return err
		}
		for rows.Next() {
			var l vigil.LPA
			if err := rows.Scan(append([]any{&l.ID, &l.ForceID, &l.Code, &l.Name}, stampDest(&l.Stamp)...)...); err != nil {
				rows.Close()
				return err
			}
			o.LPAs = append(o.LPAs, l)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, teamSelect+" ORDER BY t.name")
		if err != nil {
			return err
		}
		for rows.Next() {
			t, err := scanTeam(rows)
			if err != nil {
				rows.Close()
				return err
			}
			o.Teams = append(o.Teams, *t)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, "SELECT id, force_id, code, name, kind, "+stampCols+" FROM agencies ORDER BY name")
		if err != nil {
			return err
		}
		for rows.Next() {
			var a vigil.Agency
			if err := rows.Scan(append([]any{&a.ID, &a.ForceID, &a.Code, &a.Name, &a.Kind}, stampDest(&a.Stamp)...)...); err != nil {
				rows.Close()
				return err
			}
			o.Agencies = append(o.Agencies, a)
		}
		return closeRows(rows)
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func closeRows(rows *sql.Rows) error {
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}

// force returns the installation's force, or ENOTFOUND before one is set up.
func (tx *Tx) force(ctx context.Context) (*vigil.Force, error) {
	var f vigil.Force
	err := tx.QueryRowContext(ctx, "SELECT id, code, name, "+stampCols+" FROM forces ORDER BY id LIMIT 1").
		Scan(append([]any{&f.ID, &f.Code, &f.Name}, stampDest(&f.Stamp)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "No force has been set up in this database yet (run vigil demo, or import one)")
	}
	return &f, err
}

type scanner interface{ Scan(dest ...any) error }

// teamSelect reads teams with their LPA's name and how many active people
// they have.
const teamSelect = `SELECT t.id, t.force_id, t.lpa_id, l.name, t.code, t.name, t.kind,
	t.created_at, t.created_by, t.updated_at, t.updated_by, t.version,
	(SELECT count(*) FROM people p WHERE p.team_id = t.id AND p.active)
	FROM teams t LEFT JOIN lpas l ON l.id = t.lpa_id`

func scanTeam(row scanner) (*vigil.Team, error) {
	var t vigil.Team
	dest := append([]any{&t.ID, &t.ForceID, nullInt{&t.LPAID}, nullString{&t.LPAName}, &t.Code, &t.Name, &t.Kind},
		stampDest(&t.Stamp)...)
	dest = append(dest, &t.Members)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	return &t, nil
}

// Team implements vigil.OrgService.
func (s *OrgService) Team(ctx context.Context, id int64) (*vigil.Team, error) {
	var t *vigil.Team
	err := s.db.readTx(ctx, func(tx *Tx) error {
		if err := vigil.Require(ctx, vigil.ActionRead, vigil.KindOrganisation); err != nil {
			return err
		}
		var err error
		t, err = scanTeam(tx.QueryRowContext(ctx, teamSelect+" WHERE t.id = $1", id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Team")
		}
		return err
	})
	return t, err
}

const personCols = "id, force_id, given_name, family_name, collar_number, rank, role, team_id, agency_id, email, active, " + stampCols

func scanPerson(row scanner) (*vigil.Person, error) {
	var p vigil.Person
	dest := append([]any{&p.ID, &p.ForceID, &p.GivenName, &p.FamilyName, nullString{&p.CollarNumber}, &p.Rank,
		&p.Role, nullInt{&p.TeamID}, nullInt{&p.AgencyID}, nullString{&p.Email}, &p.Active}, stampDest(&p.Stamp)...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	return &p, nil
}

// People implements vigil.OrgService.
func (s *OrgService) People(ctx context.Context, f vigil.PersonFilter) (vigil.Page[vigil.Person], error) {
	var page vigil.Page[vigil.Person]
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	if f.TeamID != 0 {
		where = append(where, "team_id = "+arg(f.TeamID))
	}
	if f.AgencyID != 0 {
		where = append(where, "agency_id = "+arg(f.AgencyID))
	}
	if f.LPAID != 0 {
		where = append(where, "team_id IN (SELECT id FROM teams WHERE lpa_id = "+arg(f.LPAID)+")")
	}
	if f.WithoutAccount {
		where = append(where, "NOT EXISTS (SELECT 1 FROM users u WHERE u.person_id = people.id)")
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		p := arg(likePrefix(q))
		where = append(where, "(lower(given_name) LIKE "+p+" ESCAPE '\\' OR lower(family_name) LIKE "+p+
			" ESCAPE '\\' OR lower(collar_number) LIKE "+p+" ESCAPE '\\')")
	}
	if f.Cursor != "" {
		var fam, giv string
		var id int64
		if err := decodeCursor(f.Cursor, &fam, &giv, &id); err != nil {
			return page, err
		}
		where = append(where, "(family_name, given_name, id) > ("+arg(fam)+", "+arg(giv)+", "+arg(id)+")")
	}
	q := "SELECT " + personCols + " FROM people"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Size()
	q += " ORDER BY family_name, given_name, id LIMIT " + arg(limit+1)
	action := vigil.ActionList
	if f.Query != "" {
		action = vigil.ActionSearch
	}
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, action, vigil.KindPerson); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			p, err := scanPerson(rows)
			if err != nil {
				rows.Close()
				return err
			}
			if len(page.Items) < limit {
				page.Items = append(page.Items, *p)
				ids = append(ids, p.ID)
			} else {
				page.Next = encodeCursor(page.Items[limit-1].FamilyName, page.Items[limit-1].GivenName, page.Items[limit-1].ID)
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		tx.log(action, vigil.KindPerson, ids, vigil.OutcomeOK, "")
		return nil
	})
	if err != nil {
		return vigil.Page[vigil.Person]{}, err
	}
	return page, nil
}

// likePrefix escapes LIKE's wildcards in s and appends one: "starts with".
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// Person implements vigil.OrgService.
func (s *OrgService) Person(ctx context.Context, id int64) (*vigil.Person, error) {
	var p *vigil.Person
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRead, vigil.KindPerson); err != nil {
			return err
		}
		var err error
		if p, err = tx.person(ctx, id); err != nil {
			return err
		}
		tx.log(vigil.ActionRead, vigil.KindPerson, []int64{id}, vigil.OutcomeOK, "")
		return nil
	})
	return p, err
}

func (tx *Tx) person(ctx context.Context, id int64) (*vigil.Person, error) {
	p, err := scanPerson(tx.QueryRowContext(ctx, "SELECT "+personCols+" FROM people WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Person")
	}
	return p, err
}

// checkPersonLinks checks that a person's team or agency exists, so that a
// bad id is a field error rather than a foreign-key failure.
func (tx *Tx) checkPersonLinks(ctx context.Context, p vigil.Person) error {
	var v vigil.Validation
	if p.TeamID != 0 && !tx.exists(ctx, "SELECT 1 FROM teams WHERE id = $1", p.TeamID) {
		v.Add("team_id", "Select a team from the list")
	}
	if p.AgencyID != 0 && !tx.exists(ctx, "SELECT 1 FROM agencies WHERE id = $1", p.AgencyID) {
		v.Add("agency_id", "Select a partner agency from the list")
	}
	return v.Err()
}

func (tx *Tx) exists(ctx context.Context, q string, args ...any) bool {
	var one int
	return tx.QueryRowContext(ctx, q, args...).Scan(&one) == nil
}

// CreatePerson implements vigil.OrgService.
func (s *OrgService) CreatePerson(ctx context.Context, p vigil.Person) (*vigil.Person, error) {
	normalisePerson(&p)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var out *vigil.Person
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionCreate, vigil.KindPerson); err != nil {
			return err
		}
		if err := tx.checkPersonLinks(ctx, p); err != nil {
			return err
		}
		f, err := tx.force(ctx)
		if err != nil {
			return err
		}
		if p.CollarNumber != "" && tx.exists(ctx, "SELECT 1 FROM people WHERE force_id = $1 AND collar_number = $2", f.ID, p.CollarNumber) {
			var v vigil.Validation
			v.Add("collar_number", "Collar number %s is already held by someone else", p.CollarNumber)
			return v.Err()
		}
		out, err = scanPerson(tx.QueryRowContext(ctx, `INSERT INTO people
			(force_id, given_name, family_name, collar_number, rank, role, team_id, agency_id, email, active,
			 created_at, created_by, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, TRUE, $10, $11, $10, $11)
			RETURNING `+personCols,
			f.ID, p.GivenName, p.FamilyName, nullIfEmpty(p.CollarNumber), p.Rank, p.Role, nullIfZero(p.TeamID),
			nullIfZero(p.AgencyID), nullIfEmpty(p.Email), instant(tx.now), nullIfZero(tx.UserID())))
		if err != nil {
			return err
		}
		tx.log(vigil.ActionCreate, vigil.KindPerson, []int64{out.ID}, vigil.OutcomeOK, "")
		return tx.history(ctx, vigil.KindPerson, out.ID, "create", nil, personFields(out))
	})
	return out, err
}

// UpdatePerson implements vigil.OrgService.
func (s *OrgService) UpdatePerson(ctx context.Context, p vigil.Person) (*vigil.Person, error) {
	normalisePerson(&p)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var out *vigil.Person
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindPerson); err != nil {
			return err
		}
		cur, err := tx.person(ctx, p.ID)
		if err != nil {
			return err
		}
		if tx.who != nil && tx.who.PersonID != 0 && tx.who.PersonID == cur.ID && (p.TeamID != cur.TeamID || p.AgencyID != cur.AgencyID) {
			tx.denied = append(tx.denied, tx.entry(vigil.ActionUpdate, vigil.KindPerson, []int64{cur.ID}, vigil.OutcomeDenied,
				"own team or agency"))
			return vigil.Errorf(vigil.EFORBIDDEN, "You cannot change your own team or agency")
		}
		if cur.Version != p.Version {
			return staleVersion("person")
		}
		if err := tx.mayChangeEmailOf(ctx, cur, p.Email); err != nil {
			return err
		}
		if err := tx.checkPersonLinks(ctx, p); err != nil {
			return err
		}
		if p.CollarNumber != "" && tx.exists(ctx, "SELECT 1 FROM people WHERE force_id = $1 AND collar_number = $2 AND id <> $3",
			cur.ForceID, p.CollarNumber, p.ID) {
			var v vigil.Validation
			v.Add("collar_number", "Collar number %s is already held by someone else", p.CollarNumber)
			return v.Err()
		}
		out, err = scanPerson(tx.QueryRowContext(ctx, `UPDATE people SET
			given_name = $1, family_name = $2, collar_number = $3, rank = $4, role = $5, team_id = $6,
			agency_id = $7, email = $8, active = $9, updated_at = $10, updated_by = $11, version = version + 1
			WHERE id = $12 AND version = $13
			RETURNING `+personCols,
			p.GivenName, p.FamilyName, nullIfEmpty(p.CollarNumber), p.Rank, p.Role, nullIfZero(p.TeamID),
			nullIfZero(p.AgencyID), nullIfEmpty(p.Email), p.Active, instant(tx.now), nullIfZero(tx.UserID()),
			p.ID, p.Version))
		if errors.Is(err, sql.ErrNoRows) {
			// Changed between our read and our write (PostgreSQL's read
			// committed allows it): refuse, never apply over it.
			return staleVersion("person")
		}
		if err != nil {
			return err
		}
		tx.log(vigil.ActionUpdate, vigil.KindPerson, []int64{out.ID}, vigil.OutcomeOK, "")
		return tx.history(ctx, vigil.KindPerson, out.ID, "update", personFields(cur), personFields(out))
	})
	return out, err
}

func normalisePerson(p *vigil.Person) {
	p.GivenName = strings.TrimSpace(p.GivenName)
	p.FamilyName = strings.TrimSpace(p.FamilyName)
	p.CollarNumber = strings.ToUpper(strings.TrimSpace(p.CollarNumber))
	p.Role = strings.TrimSpace(p.Role)
	p.Email = strings.TrimSpace(p.Email)
}

// personFields are a person's recorded fields, for the change history.
func personFields(p *vigil.Person) map[string]string {
	return map[string]string{
		"given_name": p.GivenName, "family_name": p.FamilyName, "collar_number": p.CollarNumber,
		"rank": string(p.Rank), "role": p.Role, "team_id": idText(p.TeamID), "agency_id": idText(p.AgencyID),
		"email": p.Email, "active": boolText(p.Active),
	}
}

// PersonHistory implements vigil.OrgService.
func (s *OrgService) PersonHistory(ctx context.Context, id int64) ([]vigil.Change, error) {
	var out []vigil.Change
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRead, vigil.KindPerson); err != nil {
			return err
		}
		if !tx.exists(ctx, "SELECT 1 FROM people WHERE id = $1", id) {
			return notFound("Person")
		}
		var err error
		if out, err = tx.historyOf(ctx, vigil.KindPerson, id); err != nil {
			return err
		}
		tx.log(vigil.ActionRead, vigil.KindPerson, []int64{id}, vigil.OutcomeOK, "history")
		return nil
	})
	return out, err
}

func (tx *Tx) team(ctx context.Context, id int64) (*vigil.Team, error) {
	t, err := scanTeam(tx.QueryRowContext(ctx, teamSelect+" WHERE t.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Team")
	}
	return t, err
}

const agencyCols = "id, force_id, code, name, kind, " + stampCols

func scanAgency(row scanner) (*vigil.Agency, error) {
	var a vigil.Agency
	if err := row.Scan(append([]any{&a.ID, &a.ForceID, &a.Code, &a.Name, &a.Kind}, stampDest(&a.Stamp)...)...); err != nil {
		return nil, err
	}
	return &a, nil
}

func (tx *Tx) agency(ctx context.Context, id int64) (*vigil.Agency, error) {
	a, err := scanAgency(tx.QueryRowContext(ctx, "SELECT "+agencyCols+" FROM agencies WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Partner agency")
	}
	return a, err
}

// Agency implements vigil.OrgService.
func (s *OrgService) Agency(ctx context.Context, id int64) (*vigil.Agency, error) {
	var a *vigil.Agency
	err := s.db.readTx(ctx, func(tx *Tx) error {
		if err := vigil.Require(ctx, vigil.ActionRead, vigil.KindOrganisation); err != nil {
			return err
		}
		var err error
		a, err = tx.agency(ctx, id)
		return err
	})
	return a, err
}

// fieldsOf copies a validation error's field errors into v, so that rule
// and database checks are reported together.
func fieldsOf(v *vigil.Validation, err error) {
	for _, f := range vigil.ErrorFields(err) {
		v.Add(f.Field, "%s", f.Message)
	}
}

// checkTeam checks a team's fields, that its LPA exists and that no other
// team of the force has its code.
func (tx *Tx) checkTeam(ctx context.Context, t vigil.Team, forceID int64) error {
	var v vigil.Validation
	fieldsOf(&v, t.Validate())
	if t.LPAID > 0 && !tx.exists(ctx, "SELECT 1 FROM lpas WHERE id = $1", t.LPAID) {
		v.Add("lpa_id", "Select a local policing area from the list")
	}
	if !v.Has("code") && tx.exists(ctx, "SELECT 1 FROM teams WHERE force_id = $1 AND code = $2 AND id <> $3", forceID, t.Code, t.ID) {
		v.Add("code", "The code %s is already used by another team", t.Code)
	}
	return v.Err()
}

func normaliseTeam(t *vigil.Team) {
	t.Name = strings.TrimSpace(t.Name)
	t.Code = strings.ToUpper(strings.TrimSpace(t.Code))
}

// teamFields are a team's recorded fields, for the change history.
func teamFields(t *vigil.Team) map[string]string {
	return map[string]string{"code": t.Code, "name": t.Name, "kind": string(t.Kind), "lpa_id": idText(t.LPAID)}
}

// CreateTeam implements vigil.OrgService.
func (s *OrgService) CreateTeam(ctx context.Context, t vigil.Team) (*vigil.Team, error) {
	normaliseTeam(&t)
	t.ID = 0
	var out *vigil.Team
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionCreate, vigil.KindOrganisation); err != nil {
			return err
		}
		f, err := tx.force(ctx)
		if err != nil {
			return err
		}
		if err := tx.checkTeam(ctx, t, f.ID); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO teams (force_id, lpa_id, code, name, kind, created_at, created_by,
			updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7) RETURNING id`,
			f.ID, nullIfZero(t.LPAID), t.Code, t.Name, string(t.Kind), instant(tx.now), nullIfZero(tx.UserID())).Scan(&id); err != nil {
			return err
		}
		if out, err = tx.team(ctx, id); err != nil {
			return err
		}
		tx.log(vigil.ActionCreate, vigil.KindTeam, []int64{id}, vigil.OutcomeOK, "")
		return tx.history(ctx, vigil.KindTeam, id, "create", nil, teamFields(out))
	})
	return out, err
}

// UpdateTeam implements vigil.OrgService.
func (s *OrgService) UpdateTeam(ctx context.Context, t vigil.Team) (*vigil.Team, error) {
	normaliseTeam(&t)
	var out *vigil.Team
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindOrganisation); err != nil {
			return err
		}
		cur, err := tx.team(ctx, t.ID)
		if err != nil {
			return err
		}
		if cur.Version != t.Version {
			return staleVersion("team")
		}
		if err := tx.checkTeam(ctx, t, cur.ForceID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE teams SET lpa_id = $1, code = $2, name = $3, kind = $4, updated_at = $5,
			updated_by = $6, version = version + 1 WHERE id = $7 AND version = $8`,
			nullIfZero(t.LPAID), t.Code, t.Name, string(t.Kind), instant(tx.now), nullIfZero(tx.UserID()), t.ID, t.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return staleVersion("team")
		}
		if out, err = tx.team(ctx, t.ID); err != nil {
			return err
		}
		tx.log(vigil.ActionUpdate, vigil.KindTeam, []int64{t.ID}, vigil.OutcomeOK, "")
		return tx.history(ctx, vigil.KindTeam, t.ID, "update", teamFields(cur), teamFields(out))
	})
	return out, err
}

// checkAgency checks an agency's fields and that no other agency of the
// force has its code.
func (tx *Tx) checkAgency(ctx context.Context, a vigil.Agency, forceID int64) error {
	var v vigil.Validation
	fieldsOf(&v, a.Validate())
	if !v.Has("code") && tx.exists(ctx, "SELECT 1 FROM agencies WHERE force_id = $1 AND code = $2 AND id <> $3", forceID, a.Code, a.ID) {
		v.Add("code", "The code %s is already used by another agency", a.Code)
	}
	return v.Err()
}

func normaliseAgency(a *vigil.Agency) {
	a.Name = strings.TrimSpace(a.Name)
	a.Code = strings.ToUpper(strings.TrimSpace(a.Code))
}

// agencyFields are an agency's recorded fields, for the change history.
func agencyFields(a *vigil.Agency) map[string]string {
	return map[string]string{"code": a.Code, "name": a.Name, "kind": string(a.Kind)}
}

// CreateAgency implements vigil.OrgService.
func (s *OrgService) CreateAgency(ctx context.Context, a vigil.Agency) (*vigil.Agency, error) {
	normaliseAgency(&a)
	a.ID = 0
	var out *vigil.Agency
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionCreate, vigil.KindOrganisation); err != nil {
			return err
		}
		f, err := tx.force(ctx)
		if err != nil {
			return err
		}
		if err := tx.checkAgency(ctx, a, f.ID); err != nil {
			return err
		}
		out, err = scanAgency(tx.QueryRowContext(ctx, `INSERT INTO agencies (force_id, code, name, kind, created_at, created_by,
			updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING `+agencyCols,
			f.ID, a.Code, a.Name, string(a.Kind), instant(tx.now), nullIfZero(tx.UserID())))
		if err != nil {
			return err
		}
		tx.log(vigil.ActionCreate, vigil.KindAgency, []int64{out.ID}, vigil.OutcomeOK, "")
		return tx.history(ctx, vigil.KindAgency, out.ID, "create", nil, agencyFields(out))
	})
	return out, err
}

// UpdateAgency implements vigil.OrgService.
func (s *OrgService) UpdateAgency(ctx context.Context, a vigil.Agency) (*vigil.Agency, error) {
	normaliseAgency(&a)
	var out *vigil.Agency
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindOrganisation); err != nil {
			return err
		}
		cur, err := tx.agency(ctx, a.ID)
		if err != nil {
			return err
		}
		if cur.Version != a.Version {
			return staleVersion("agency")
		}
		if err := tx.checkAgency(ctx, a, cur.ForceID); err != nil {
			return err
		}
		out, err = scanAgency(tx.QueryRowContext(ctx, `UPDATE agencies SET code = $1, name = $2, kind = $3, updated_at = $4,
			updated_by = $5, version = version + 1 WHERE id = $6 AND version = $7 RETURNING `+agencyCols,
			a.Code, a.Name, string(a.Kind), instant(tx.now), nullIfZero(tx.UserID()), a.ID, a.Version))
		if errors.Is(err, sql.ErrNoRows) {
			return staleVersion("agency")
		}
		if err != nil {
			return err
		}
		tx.log(vigil.ActionUpdate, vigil.KindAgency, []int64{a.ID}, vigil.OutcomeOK, "")
		return tx.history(ctx, vigil.KindAgency, a.ID, "update", agencyFields(cur), agencyFields(out))
	})
	return out, err
}

// orgHistory reads the changes made to a team or an agency.
func (s *OrgService) orgHistory(ctx context.Context, kind vigil.RecordKind, table, what string, id int64) ([]vigil.Change, error) {
	var out []vigil.Change
	err := s.db.readTx(ctx, func(tx *Tx) error {
		if err := vigil.Require(ctx, vigil.ActionRead, vigil.KindOrganisation); err != nil {
			return err
		}
		if !tx.exists(ctx, "SELECT 1 FROM "+table+" WHERE id = $1", id) {
			return notFound(what)
		}
		var err error
		out, err = tx.historyOf(ctx, kind, id)
		return err
	})
	return out, err
}

// TeamHistory implements vigil.OrgService.
func (s *OrgService) TeamHistory(ctx context.Context, id int64) ([]vigil.Change, error) {
	return s.orgHistory(ctx, vigil.KindTeam, "teams", "Team", id)
}

// AgencyHistory implements vigil.OrgService.
func (s *OrgService) AgencyHistory(ctx context.Context, id int64) ([]vigil.Change, error) {
	return s.orgHistory(ctx, vigil.KindAgency, "agencies", "Partner agency", id)
}
