package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// ProfileService implements vigil.ProfileService.
type ProfileService struct{ db *DB }

// NewProfileService returns the profile service over db.
func NewProfileService(db *DB) *ProfileService { return &ProfileService{db: db} }

var _ vigil.ProfileService = (*ProfileService)(nil)

// profileOpen checks that the principal may take the action on the child
// and that the profile part is not held back from them (restricted, or
// not shared with their agency).
func (tx *Tx) profileOpen(ctx context.Context, action vigil.Action, childID int64) (vigil.Decision, error) {
	if tx.who == nil {
		return vigil.Decision{}, vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue")
	}
	d, _, err := tx.decideChild(ctx, action, childID)
	if err != nil {
		return d, err
	}
	rec := []vigil.ChildRecord{{Child: vigil.Child{ID: childID}}}
	if err := tx.mask(ctx, rec); err != nil {
		return d, err
	}
	if rec[0].IsWithheld(vigil.PartProfile) {
		tx.denied = append(tx.denied, tx.entry(action, vigil.KindChild, []int64{childID}, vigil.OutcomeDenied, "profile part held back"))
		if tx.who.Scope == vigil.ScopeAgency {
			return d, vigil.Errorf(vigil.EFORBIDDEN, "This child's profile is not shared with your agency")
		}
		return d, vigil.Errorf(vigil.EFORBIDDEN, "This child's profile is restricted to named people")
	}
	return d, nil
}

func breakGlassReason(d vigil.Decision) string {
	if d.ByBreakGlass {
		return "break-glass"
	}
	return ""
}

const profileCols = `p.child_id, p.description, p.photo_ref, p.medical, p.financial, p.phones, p.social_media, p.kept_by,
	p.confirmed_at, p.created_at, p.created_by, p.updated_at, p.updated_by, p.version`

func scanProfile(row scanner) (*vigil.Profile, error) {
	var p vigil.Profile
	err := row.Scan(&p.ChildID, &p.Description, &p.PhotoRef, &p.Medical, &p.Financial, &p.Phones, &p.SocialMedia, &p.KeptBy,
		scanNullInstant{&p.ConfirmedAt}, scanInstant{&p.CreatedAt}, nullInt{&p.CreatedBy}, scanInstant{&p.UpdatedAt},
		nullInt{&p.UpdatedBy}, &p.Version)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func profileFields(p *vigil.Profile) map[string]string {
	if p == nil {
		return nil
	}
	confirmed := ""
	if p.ConfirmedAt != nil {
		confirmed = instantText(*p.ConfirmedAt)
	}
	return map[string]string{"description": p.Description, "photo_ref": p.PhotoRef, "medical": p.Medical,
		"financial": p.Financial, "phones": p.Phones, "social_media": p.SocialMedia, "kept_by": p.KeptBy,
		"confirmed_at": confirmed}
}

// Profile implements vigil.ProfileService.
func (s *ProfileService) Profile(ctx context.Context, childID int64) (*vigil.ChildProfile, error) {
	var out vigil.ChildProfile
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		d, err := tx.profileOpen(ctx, vigil.ActionRead, childID)
		if err != nil {
			return err
		}
		p, err := scanProfile(tx.QueryRowContext(ctx, "SELECT "+profileCols+" FROM child_profiles p WHERE p.child_id = $1", childID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			out.Profile = vigil.Profile{ChildID: childID}
		case err != nil:
			return err
		default:
			out.Profile = *p
		}
		if out.Links, err = tx.links(ctx, "l.child_id = $1", childID); err != nil {
			return err
		}
		if tx.who.Scope == vigil.ScopeAgency {
			// A partner agency is not told how many other children a
			// person or place is linked to.
			for i := range out.Links {
				out.Links[i].OtherChildren = 0
			}
		}
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*), MAX(reported_at) FROM missing_episodes WHERE child_id = $1",
			childID).Scan(&out.Episodes, scanNullInstant{&out.LastReported}); err != nil {
			return err
		}
		tx.log(vigil.ActionRead, vigil.KindChild, []int64{childID}, vigil.OutcomeOK, cmp.Or(breakGlassReason(d), "profile"))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// links reads links with their associate's or place's name and how many
// other children each is linked to now.
func (tx *Tx) links(ctx context.Context, where string, args ...any) ([]vigil.Link, error) {
	rows, err := tx.QueryContext(ctx, `SELECT l.id, l.child_id, l.relation, l.associate_id, l.place_id, COALESCE(a.name, pl.name),
		l.episode_id, l.notes, l.linked_at, l.linked_by, l.ended_at,
		(SELECT COUNT(DISTINCT o.child_id) FROM child_links o WHERE o.ended_at IS NULL AND o.child_id <> l.child_id
			AND (o.associate_id = l.associate_id OR o.place_id = l.place_id))
		FROM child_links l LEFT JOIN associates a ON a.id = l.associate_id LEFT JOIN places pl ON pl.id = l.place_id
		WHERE `+where+" ORDER BY l.ended_at IS NOT NULL, l.linked_at DESC, l.id DESC", args...)
	if err != nil {
		return nil, err
	}
	var out []vigil.Link
	for rows.Next() {
		var l vigil.Link
		var rel string
		if err := rows.Scan(&l.ID, &l.ChildID, &rel, nullInt{&l.AssociateID}, nullInt{&l.PlaceID}, &l.Name, nullInt{&l.EpisodeID},
			&l.Notes, scanInstant{&l.LinkedAt}, nullInt{&l.LinkedBy}, scanNullInstant{&l.EndedAt}, &l.OtherChildren); err != nil {
			rows.Close()
			return nil, err
		}
		l.Relation = vigil.LinkRelation(rel)
		out = append(out, l)
	}
	return out, closeRows(rows)
}

// SaveProfile implements vigil.ProfileService.
func (s *ProfileService) SaveProfile(ctx context.Context, p vigil.Profile, version int64) (*vigil.Profile, error) {
	for _, f := range []*string{&p.Description, &p.PhotoRef, &p.Medical, &p.Financial, &p.Phones, &p.SocialMedia, &p.KeptBy} {
		*f = strings.TrimSpace(*f)
	}
	var out *vigil.Profile
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionProfile, vigil.KindChild); err != nil {
			return err
		}
		d, err := tx.profileOpen(ctx, vigil.ActionProfile, p.ChildID)
		if err != nil {
			return err
		}
		if err := p.Validate(tx.now); err != nil {
			return err
		}
		cur, err := scanProfile(tx.QueryRowContext(ctx, "SELECT "+profileCols+" FROM child_profiles p WHERE p.child_id = $1", p.ChildID))
		if errors.Is(err, sql.ErrNoRows) {
			cur, err = nil, nil
		}
		if err != nil {
			return err
		}
		if cur == nil && version != 0 || cur != nil && cur.Version != version {
			return staleVersion("profile")
		}
		var confirmed any
		if p.ConfirmedAt != nil {
			confirmed = instant(*p.ConfirmedAt)
		}
		if cur == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO child_profiles (child_id, description, photo_ref, medical, financial, phones,
				social_media, kept_by, confirmed_at, created_at, created_by, updated_at, updated_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $11)`, p.ChildID, p.Description, p.PhotoRef, p.Medical,
				p.Financial, p.Phones, p.SocialMedia, p.KeptBy, confirmed, instant(tx.now), nullIfZero(tx.UserID()))
			if err != nil {
				return err
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE child_profiles SET description = $1, photo_ref = $2, medical = $3, financial = $4,
				phones = $5, social_media = $6, kept_by = $7, confirmed_at = $8, updated_at = $9, updated_by = $10, version = version + 1
				WHERE child_id = $11 AND version = $12`, p.Description, p.PhotoRef, p.Medical, p.Financial, p.Phones, p.SocialMedia,
				p.KeptBy, confirmed, instant(tx.now), nullIfZero(tx.UserID()), p.ChildID, version)
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err != nil || k != 1 {
				return cmp.Or(err, staleVersion("profile"))
			}
		}
		var pid int64
		if err := tx.QueryRowContext(ctx, "SELECT id FROM child_profiles WHERE child_id = $1", p.ChildID).Scan(&pid); err != nil {
			return err
		}
		for _, f := range []struct{ key, form, text string }{
			{"child_profiles.description", "description", p.Description},
			{"child_profiles.medical", "medical", p.Medical},
			{"child_profiles.financial", "financial", p.Financial},
		} {
			if err := tx.freeText(ctx, f.key, f.form, pid, p.ChildID, f.text); err != nil {
				return err
			}
		}
		if out, err = scanProfile(tx.QueryRowContext(ctx, "SELECT "+profileCols+" FROM child_profiles p WHERE p.child_id = $1", p.ChildID)); err != nil {
			return err
		}
		tx.log(vigil.ActionProfile, vigil.KindChild, []int64{p.ChildID}, vigil.OutcomeOK, cmp.Or(breakGlassReason(d), "profile"))
		what := "profile"
		if cur == nil {
			what = "profile created"
		}
		return tx.history(ctx, vigil.KindChild, p.ChildID, what, profileFields(cur), profileFields(out))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// linkKeys are the search keys of an associate's or place's name, and of
// a place's postcode.
func linkKeys(name, postcode string) []string {
	keys := vigil.NameKeys(name, "", "")
	if pc := strings.ReplaceAll(strings.ToUpper(postcode), " ", ""); pc != "" {
		keys = append(keys, "pc:"+pc)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// maxLinkMatches is how many possible matches a search before a new
// associate or place offers.
const maxLinkMatches = 10

func (tx *Tx) matchLinks(ctx context.Context, place bool, name, postcode string) ([]vigil.LinkMatch, error) {
	// A record matches when every word of the name (of two letters or
	// more) matches one of its keys, by spelling, sound or full form; or,
	// for a place, when the postcode is the same.
	keys := vigil.SearchKeys(name, "", "")
	tokens := 0
	for _, k := range keys {
		tokens = max(tokens, k.Token+1)
	}
	const postcodeToken = -1
	if pc := strings.ReplaceAll(strings.ToUpper(postcode), " ", ""); pc != "" && place {
		keys = append(keys, vigil.SearchKey{Key: "pc:" + pc, Token: postcodeToken})
	}
	if len(keys) == 0 {
		return nil, nil
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	values := make([]string, len(keys))
	for i, k := range keys {
		values[i] = "(" + arg(k.Key) + ", CAST(" + arg(k.Token) + " AS INTEGER))"
	}
	col := "associate_id"
	if place {
		col = "place_id"
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT k.`+col+`, q.column2 FROM link_name_keys k
		JOIN (VALUES `+strings.Join(values, ", ")+`) q ON q.column1 = k.name_key WHERE k.`+col+` IS NOT NULL`, args...)
	if err != nil {
		return nil, err
	}
	matched := map[int64]int{}
	samePostcode := map[int64]bool{}
	for rows.Next() {
		var id int64
		var token int
		if err := rows.Scan(&id, &token); err != nil {
			rows.Close()
			return nil, err
		}
		if token == postcodeToken {
			samePostcode[id] = true
		} else {
			matched[id]++
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	var ids []int64
	for id, n := range matched {
		if tokens > 0 && n == tokens {
			ids = append(ids, id)
		}
	}
	for id := range samePostcode {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	// Both name and postcode first, then the oldest record.
	slices.SortFunc(ids, func(a, b int64) int {
		if samePostcode[a] != samePostcode[b] {
			if samePostcode[a] {
				return -1
			}
			return 1
		}
		return cmp.Compare(a, b)
	})
	if len(ids) > maxLinkMatches {
		ids = ids[:maxLinkMatches]
	}
	table := "associates"
	if place {
		table = "places"
	}
	out := make([]vigil.LinkMatch, 0, len(ids))
	for _, id := range ids {
		m := vigil.LinkMatch{}
		var err error
		if place {
			m.PlaceID = id
			err = tx.QueryRowContext(ctx, "SELECT name, postcode, description FROM "+table+" WHERE id = $1", id).
				Scan(&m.Name, &m.Postcode, &m.Description)
		} else {
			m.AssociateID = id
			err = tx.QueryRowContext(ctx, "SELECT name, date_of_birth, description FROM "+table+" WHERE id = $1", id).
				Scan(&m.Name, scanNullDate{&m.DateOfBirth}, &m.Description)
		}
		if err != nil {
			return nil, err
		}
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(DISTINCT child_id) FROM child_links WHERE ended_at IS NULL AND "+col+" = $1",
			id).Scan(&m.Children); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// MatchLinks implements vigil.ProfileService. Associates and places are
// shown to anyone who may link them: a name, a description and a count,
// never the children linked.
func (s *ProfileService) MatchLinks(ctx context.Context, place bool, name string) ([]vigil.LinkMatch, error) {
	var out []vigil.LinkMatch
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionLink, vigil.KindChild); err != nil {
			return err
		}
		var err error
		if out, err = tx.matchLinks(ctx, place, name, ""); err != nil {
			return err
		}
		kind, ids := vigil.KindAssociate, make([]int64, len(out))
		if place {
			kind = vigil.KindPlace
		}
		for i, m := range out {
			ids[i] = cmp.Or(m.AssociateID, m.PlaceID)
		}
		tx.log(vigil.ActionSearch, kind, ids, vigil.OutcomeOK, "")
		return nil
	})
	return out, err
}

// Link implements vigil.ProfileService.
func (s *ProfileService) Link(ctx context.Context, n vigil.NewLink) (*vigil.Link, error) {
	n.Name, n.Postcode = strings.TrimSpace(n.Name), strings.ToUpper(strings.TrimSpace(n.Postcode))
	n.Description, n.Notes = strings.TrimSpace(n.Description), strings.TrimSpace(n.Notes)
	var out *vigil.Link
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionLink, vigil.KindChild); err != nil {
			return err
		}
		d, err := tx.profileOpen(ctx, vigil.ActionLink, n.ChildID)
		if err != nil {
			return err
		}
		if err := n.Validate(tx.now); err != nil {
			return err
		}
		var v vigil.Validation
		place := n.Relation.ForPlace()
		if n.EpisodeID != 0 && !tx.exists(ctx, "SELECT 1 FROM missing_episodes WHERE id = $1 AND child_id = $2 AND found_at IS NOT NULL",
			n.EpisodeID, n.ChildID) {
			v.Add("episode_id", "Choose one of this child's missing episodes in which they were found")
			return v.Err()
		}
		switch {
		case place && n.PlaceID != 0:
			if !tx.exists(ctx, "SELECT 1 FROM places WHERE id = $1", n.PlaceID) {
				v.Add("place_id", "That place is not recorded: search for it again")
			}
		case !place && n.AssociateID != 0:
			if !tx.exists(ctx, "SELECT 1 FROM associates WHERE id = $1", n.AssociateID) {
				v.Add("associate_id", "That person is not recorded: search for them again")
			}
		default:
			matches, err := tx.matchLinks(ctx, place, n.Name, n.Postcode)
			if err != nil {
				return err
			}
			if len(matches) > 0 && !n.ConfirmedNew {
				what := plural(len(matches), "person", "people")
				if place {
					what = plural(len(matches), "place", "places")
				}
				what = strings.Replace(what, "1 ", "A ", 1)
				return vigil.Errorf(vigil.ECONFLICT, "%s already recorded could be the one you mean: choose one, or confirm this is a new one",
					what)
			}
			id, err := tx.newLinked(ctx, place, n)
			if err != nil {
				return err
			}
			if place {
				n.PlaceID = id
			} else {
				n.AssociateID = id
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		col, target := "associate_id", n.AssociateID
		if place {
			col, target = "place_id", n.PlaceID
		}
		if tx.exists(ctx, "SELECT 1 FROM child_links WHERE child_id = $1 AND "+col+" = $2 AND relation = $3 AND ended_at IS NULL AND "+
			"COALESCE(episode_id, 0) = $4", n.ChildID, target, string(n.Relation), n.EpisodeID) {
			v.Add("name", "This is already linked to the child in that way")
			return v.Err()
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO child_links (child_id, relation, `+col+`, episode_id, notes, linked_at, linked_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, n.ChildID, string(n.Relation), target, nullIfZero(n.EpisodeID),
			n.Notes, instant(tx.now), nullIfZero(tx.UserID())).Scan(&id); err != nil {
			return err
		}
		if err := tx.freeText(ctx, "child_links.notes", "notes", id, n.ChildID, n.Notes); err != nil {
			return err
		}
		links, err := tx.links(ctx, "l.id = $1", id)
		if err != nil {
			return err
		}
		out = &links[0]
		kind := vigil.KindAssociate
		if place {
			kind = vigil.KindPlace
		}
		tx.log(vigil.ActionLink, vigil.KindChild, []int64{n.ChildID}, vigil.OutcomeOK, cmp.Or(breakGlassReason(d), "link"))
		tx.log(vigil.ActionUpdate, kind, []int64{target}, vigil.OutcomeOK, "linked to a child")
		return tx.history(ctx, vigil.KindChild, n.ChildID, "link", nil, map[string]string{
			"link": strconv.FormatInt(id, 10), "relation": string(n.Relation), col: strconv.FormatInt(target, 10)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// newLinked records a new associate or place and its search keys.
func (tx *Tx) newLinked(ctx context.Context, place bool, n vigil.NewLink) (int64, error) {
	var force int64
	if err := tx.QueryRowContext(ctx, "SELECT force_id FROM children WHERE id = $1", n.ChildID).Scan(&force); err != nil {
		return 0, err
	}
	var id int64
	var err error
	col, kind := "associate_id", vigil.KindAssociate
	if place {
		col, kind = "place_id", vigil.KindPlace
		err = tx.QueryRowContext(ctx, `INSERT INTO places (force_id, name, postcode, description, created_at, created_by, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id`, force, n.Name, n.Postcode, n.Description, instant(tx.now),
			nullIfZero(tx.UserID())).Scan(&id)
	} else {
		var dob any
		if n.DateOfBirth != nil {
			dob = date(*n.DateOfBirth)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO associates (force_id, name, date_of_birth, description, created_at, created_by, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id`, force, n.Name, dob, n.Description, instant(tx.now),
			nullIfZero(tx.UserID())).Scan(&id)
	}
	if err != nil {
		return 0, err
	}
	for _, k := range linkKeys(n.Name, n.Postcode) {
		if _, err := tx.ExecContext(ctx, "INSERT INTO link_name_keys ("+col+", name_key) VALUES ($1, $2)", id, k); err != nil {
			return 0, err
		}
	}
	key := "associates.description"
	if place {
		key = "places.description"
	}
	if err := tx.freeText(ctx, key, "description", id, id, n.Description); err != nil {
		return 0, err
	}
	tx.log(vigil.ActionCreate, kind, []int64{id}, vigil.OutcomeOK, "")
	return id, nil
}

// EndLink implements vigil.ProfileService: the link stays in the record,
// ended.
func (s *ProfileService) EndLink(ctx context.Context, childID, linkID int64) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionLink, vigil.KindChild); err != nil {
			return err
		}
		d, err := tx.profileOpen(ctx, vigil.ActionLink, childID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE child_links SET ended_at = $1, ended_by = $2 WHERE id = $3 AND child_id = $4 AND ended_at IS NULL",
			instant(tx.now), nullIfZero(tx.UserID()), linkID, childID)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k != 1 {
			return cmp.Or(err, notFound("Current link"))
		}
		tx.log(vigil.ActionLink, vigil.KindChild, []int64{childID}, vigil.OutcomeOK, cmp.Or(breakGlassReason(d), "link ended"))
		return tx.history(ctx, vigil.KindChild, childID, "link ended", map[string]string{"link": strconv.FormatInt(linkID, 10)},
			map[string]string{"link": ""})
	})
}

// Associate implements vigil.ProfileService.
func (s *ProfileService) Associate(ctx context.Context, id int64) (*vigil.LinkedRecord, error) {
	return s.linked(ctx, false, id)
}

// Place implements vigil.ProfileService.
func (s *ProfileService) Place(ctx context.Context, id int64) (*vigil.LinkedRecord, error) {
	return s.linked(ctx, true, id)
}

// linked reads an associate or a place with the children linked to it
// that the principal may see, profile part included. One may see an
// associate or a place only through a child one may see.
func (s *ProfileService) linked(ctx context.Context, place bool, id int64) (*vigil.LinkedRecord, error) {
	out := &vigil.LinkedRecord{}
	col, kind, what := "associate_id", vigil.KindAssociate, "Person"
	if place {
		col, kind, what = "place_id", vigil.KindPlace, "Place"
	}
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRead, vigil.KindChild); err != nil {
			return err
		}
		var err error
		if place {
			var p vigil.Place
			err = tx.QueryRowContext(ctx, `SELECT id, name, postcode, description, created_at, created_by, updated_at, updated_by, version
				FROM places WHERE id = $1`, id).Scan(&p.ID, &p.Name, &p.Postcode, &p.Description, scanInstant{&p.CreatedAt},
				nullInt{&p.CreatedBy}, scanInstant{&p.UpdatedAt}, nullInt{&p.UpdatedBy}, &p.Version)
			out.Place = &p
		} else {
			var a vigil.Associate
			err = tx.QueryRowContext(ctx, `SELECT id, name, date_of_birth, description, created_at, created_by, updated_at, updated_by, version
				FROM associates WHERE id = $1`, id).Scan(&a.ID, &a.Name, scanNullDate{&a.DateOfBirth}, &a.Description,
				scanInstant{&a.CreatedAt}, nullInt{&a.CreatedBy}, scanInstant{&a.UpdatedAt}, nullInt{&a.UpdatedBy}, &a.Version)
			out.Associate = &a
		}
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(what)
		}
		if err != nil {
			return err
		}
		// The current links, and of them the children the principal may
		// see with the profile part.
		var args []any
		arg := func(v any) string {
			args = append(args, v)
			return "$" + itoa(len(args))
		}
		rows, err := tx.QueryContext(ctx, `SELECT l.child_id, c.given_name || ' ' || c.family_name, l.relation, l.episode_id,
			l.linked_at, l.notes, `+childScopeSQL(tx.who, tx.now, arg)+` FROM child_links l JOIN children c ON c.id = l.child_id
			WHERE l.`+col+" = "+arg(id)+" AND l.ended_at IS NULL ORDER BY l.linked_at DESC, l.id DESC", args...)
		if err != nil {
			return err
		}
		var all []vigil.LinkedChild
		seen := map[int64]bool{}
		everyone := map[int64]bool{}
		for rows.Next() {
			var c vigil.LinkedChild
			var rel string
			var visible bool
			if err := rows.Scan(&c.ChildID, &c.Name, &rel, nullInt{&c.EpisodeID}, scanInstant{&c.LinkedAt}, &c.Notes, &visible); err != nil {
				rows.Close()
				return err
			}
			c.Relation = vigil.LinkRelation(rel)
			everyone[c.ChildID] = true
			if visible {
				seen[c.ChildID] = true
				all = append(all, c)
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		// Of those in scope, drop any whose profile is held back.
		recs := make([]vigil.ChildRecord, 0, len(seen))
		for cid := range seen {
			recs = append(recs, vigil.ChildRecord{Child: vigil.Child{ID: cid}})
		}
		if err := tx.mask(ctx, recs); err != nil {
			return err
		}
		for _, r := range recs {
			if r.IsWithheld(vigil.PartProfile) {
				delete(seen, r.ID)
			}
		}
		out.Children = slices.DeleteFunc(all, func(c vigil.LinkedChild) bool { return !seen[c.ChildID] })
		if len(out.Children) == 0 {
			d := vigil.Decision{Reason: "no linked child in scope"}
			return tx.refuse(vigil.ActionRead, kind, []int64{id}, d, what)
		}
		if tx.who.Scope != vigil.ScopeAgency {
			out.Others = len(everyone) - len(seen)
		}
		ids := make([]int64, 0, len(seen))
		for cid := range seen {
			ids = append(ids, cid)
		}
		slices.Sort(ids)
		tx.log(vigil.ActionRead, kind, []int64{id}, vigil.OutcomeOK, "")
		tx.log(vigil.ActionList, vigil.KindChild, ids, vigil.OutcomeOK, "linked to "+strings.ToLower(what)+" "+strconv.FormatInt(id, 10))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
