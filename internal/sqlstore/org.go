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
		if cur.Version != p.Version {
			return staleVersion("person")
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
