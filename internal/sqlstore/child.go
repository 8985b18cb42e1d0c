package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// ChildService implements vigil.ChildService.
type ChildService struct{ db *DB }

// NewChildService returns the children service on db.
func NewChildService(db *DB) *ChildService { return &ChildService{db: db} }

var _ vigil.ChildService = (*ChildService)(nil)

// breakGlassFor is how long an opening with a reason lasts: one shift.
const breakGlassFor = 8 * time.Hour

const childCols = `c.id, c.force_id, c.given_name, c.family_name, c.other_names, c.date_of_birth, c.sex, c.ethnicity,
	c.address_line, c.town, c.postcode, c.lpa_id, c.school, c.warning_markers, c.social_worker, c.looked_after,
	c.placing_authority, c.placement, c.carers, c.created_at, c.created_by, c.updated_at, c.updated_by, c.version`

func scanChild(row scanner) (*vigil.Child, error) {
	var c vigil.Child
	var markers string
	err := row.Scan(append([]any{&c.ID, &c.ForceID, &c.GivenName, &c.FamilyName, &c.OtherNames, scanDate{&c.DateOfBirth},
		&c.Sex, &c.Ethnicity, &c.AddressLine, &c.Town, &c.Postcode, nullInt{&c.LPAID}, &c.School, &markers, &c.SocialWorker,
		&c.LookedAfter, &c.PlacingAuthority, &c.Placement, &c.Carers}, stampDest(&c.Stamp)...)...)
	if err != nil {
		return nil, err
	}
	c.WarningMarkers = listItems(markers)
	return &c, nil
}

// listText stores a set of roles or ids as ",a,b,", so that SQL can test
// membership with LIKE '%,x,%'.
func listText[T any](items []T, text func(T) string) string {
	if len(items) == 0 {
		return ""
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = text(it)
	}
	return "," + strings.Join(parts, ",") + ","
}

func listItems(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.Trim(s, ","), ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// restrictionOpen is the SQL test that a restriction does not hold the
// principal back: they are named, or hold a named role.
func restrictionOpen(p *vigil.Principal, arg func(any) string) string {
	conds := []string{"r.allowed_users LIKE " + arg("%,"+strconv.FormatInt(p.User.ID, 10)+",%")}
	for _, role := range p.Roles {
		conds = append(conds, "r.allowed_roles LIKE "+arg("%,"+string(role)+",%"))
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// childScopeSQL is the scope rule of vigil.Decide written as SQL over a
// child aliased c (see childScope), so that a list never shows what a
// read would refuse. TestListsAgreeWithDecide holds the two to each other.
func childScopeSQL(p *vigil.Principal, now time.Time, arg func(any) string) string {
	return childScope.scopeSQL(p, now, arg)
}

// childFacts gathers what vigil.Decide needs to know about one child, and
// the reason of the principal's break-glass opening of them, if any.
func (tx *Tx) childFacts(ctx context.Context, id int64) (vigil.RecordFacts, string, error) {
	return tx.factsOf(ctx, childScope, id)
}

func toRoles(s []string) []vigil.Role {
	out := make([]vigil.Role, len(s))
	for i, r := range s {
		out[i] = vigil.Role(r)
	}
	return out
}

func toIDs(s []string) []int64 {
	var out []int64
	for _, x := range s {
		if id, err := strconv.ParseInt(x, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// mask blanks the parts of children's records the principal may not see
// (see withheldParts): parts restricted to others, and, for partner
// agencies, parts not shared with their agency.
func (tx *Tx) mask(ctx context.Context, recs []vigil.ChildRecord) error {
	ids := make([]int64, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	held, err := tx.withheldParts(ctx, childScope, ids)
	if err != nil {
		return err
	}
	for i := range recs {
		r := &recs[i]
		w := held[r.ID]
		if w == nil {
			continue
		}
		for _, part := range childScope.parts {
			if w.withholds(part) {
				r.Withheld = append(r.Withheld, part)
				blankPart(&r.Child, part)
			}
		}
	}
	return nil
}

// blankPart blanks the fields of one part of a child's record (see
// vigil.ChildFieldPart). The names, date of birth and sex stay: without
// them there is no record to show.
func blankPart(c *vigil.Child, part string) {
	switch part {
	case vigil.PartAddress:
		c.AddressLine, c.Town, c.Postcode, c.School, c.Placement, c.Carers = "", "", "", "", "", ""
	case vigil.PartIdentity:
		c.OtherNames, c.Ethnicity, c.WarningMarkers, c.SocialWorker = "", "", nil, ""
		c.LookedAfter, c.PlacingAuthority = false, ""
	}
}

// Children implements vigil.ChildService.
func (s *ChildService) Children(ctx context.Context, f vigil.ChildFilter) (vigil.Page[vigil.ChildRecord], error) {
	var page vigil.Page[vigil.ChildRecord]
	action := vigil.ActionList
	if f.Query != "" {
		action = vigil.ActionSearch
	}
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, action, vigil.KindChild); err != nil {
			return err
		}
		var args []any
		arg := func(v any) string {
			args = append(args, v)
			return "$" + itoa(len(args))
		}
		where := []string{childScopeSQL(tx.who, tx.now, arg)}
		if f.LPAID != 0 {
			where = append(where, "c.lpa_id = "+arg(f.LPAID))
		}
		if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
			// Other names belong to the identity part: they count only
			// where it is not restricted from the reader.
			like := arg(likePrefix(q))
			where = append(where, "(lower(c.given_name) LIKE "+like+" ESCAPE '\\' OR lower(c.family_name) LIKE "+like+
				" ESCAPE '\\' OR (lower(c.other_names) LIKE "+like+" ESCAPE '\\' AND "+childScope.partOpenSQL(tx.who, vigil.PartIdentity, arg)+"))")
		}
		if f.Cursor != "" {
			var fam, giv string
			var id int64
			if err := decodeCursor(f.Cursor, &fam, &giv, &id); err != nil {
				return err
			}
			where = append(where, "(c.family_name, c.given_name, c.id) > ("+arg(fam)+", "+arg(giv)+", "+arg(id)+")")
		}
		limit := f.Size()
		q := "SELECT " + childCols + " FROM children c WHERE " + strings.Join(where, " AND ") +
			" ORDER BY c.family_name, c.given_name, c.id LIMIT " + arg(limit+1)
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			c, err := scanChild(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page.Items = append(page.Items, vigil.ChildRecord{Child: *c})
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		if len(page.Items) > limit {
			page.Items = page.Items[:limit]
			last := page.Items[limit-1]
			page.Next = encodeCursor(last.FamilyName, last.GivenName, last.ID)
		}
		if err := tx.mask(ctx, page.Items); err != nil {
			return err
		}
		ids := make([]int64, len(page.Items))
		for i, c := range page.Items {
			ids[i] = c.ID
		}
		tx.log(action, vigil.KindChild, ids, vigil.OutcomeOK, "")
		return nil
	})
	if err != nil {
		return vigil.Page[vigil.ChildRecord]{}, err
	}
	return page, nil
}

// decideChild applies the policy to one child, logging a refusal.
func (tx *Tx) decideChild(ctx context.Context, action vigil.Action, id int64) (vigil.Decision, string, error) {
	facts, reason, err := tx.childFacts(ctx, id)
	if err != nil {
		if vigil.ErrorCode(err) == vigil.ENOTFOUND && tx.who != nil {
			tx.denied = append(tx.denied, tx.entry(action, vigil.KindChild, []int64{id}, vigil.OutcomeFailed, "no such record"))
		}
		return vigil.Decision{}, "", err
	}
	d := vigil.Decide(tx.who, action, vigil.KindChild, facts)
	if !d.Allowed {
		return d, "", tx.refuse(action, vigil.KindChild, []int64{id}, d, "Child")
	}
	tx.glass = tx.glass || d.ByBreakGlass
	return d, reason, nil
}

// Child implements vigil.ChildService.
func (s *ChildService) Child(ctx context.Context, id int64) (*vigil.ChildRecord, error) {
	var out *vigil.ChildRecord
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.readChild(ctx, id, "")
		return err
	})
	return out, err
}

// readChild reads one child as the principal may see them, and logs the
// read (with note; under a break-glass opening, its reason).
func (tx *Tx) readChild(ctx context.Context, id int64, note string) (*vigil.ChildRecord, error) {
	if tx.who == nil {
		return nil, vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue")
	}
	d, reason, err := tx.decideChild(ctx, vigil.ActionRead, id)
	if err != nil {
		return nil, err
	}
	c, err := scanChild(tx.QueryRowContext(ctx, "SELECT "+childCols+" FROM children c WHERE c.id = $1", id))
	if err != nil {
		return nil, err
	}
	recs := []vigil.ChildRecord{{Child: *c, ByBreakGlass: d.ByBreakGlass}}
	if err := tx.mask(ctx, recs); err != nil {
		return nil, err
	}
	e := tx.entry(vigil.ActionRead, vigil.KindChild, []int64{id}, vigil.OutcomeOK, note)
	if d.ByBreakGlass {
		e.Purpose, e.Reason = reason, "break-glass"
	}
	tx.pending = append(tx.pending, e)
	return &recs[0], nil
}

// OpenWithReason implements vigil.ChildService.
func (s *ChildService) OpenWithReason(ctx context.Context, id int64, purpose, reason string) (*vigil.BreakGlass, error) {
	reason = strings.TrimSpace(reason)
	if err := vigil.ValidateBreakGlass(purpose, reason); err != nil {
		return nil, err
	}
	var out vigil.BreakGlass
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionBreakGlass, vigil.KindChild); err != nil {
			return err
		}
		p := tx.who
		if p.Scope == vigil.ScopeAgency {
			return tx.refuse(vigil.ActionBreakGlass, vigil.KindChild, []int64{id}, vigil.Decision{Reason: "partner agencies cannot break glass"}, "Child")
		}
		facts, _, err := tx.childFacts(ctx, id)
		if err != nil {
			return err
		}
		if d := vigil.Decide(p, vigil.ActionRead, vigil.KindChild, facts); d.Allowed {
			return vigil.Errorf(vigil.EINVALID, "You can already open this record")
		}
		if facts.Restricted {
			return tx.refuse(vigil.ActionBreakGlass, vigil.KindChild, []int64{id},
				vigil.Decision{Reason: "restricted records cannot be opened with a reason"}, "Child")
		}
		out = vigil.BreakGlass{UserID: p.User.ID, Username: p.User.Username, RecordKind: vigil.KindChild, RecordID: id,
			Purpose: purpose, Reason: reason, OpenedAt: tx.now, ExpiresAt: tx.now.Add(breakGlassFor), SupervisorID: p.User.SupervisorID}
		err = tx.QueryRowContext(ctx, `INSERT INTO break_glass (user_id, record_kind, record_id, purpose, reason, opened_at, expires_at,
			supervisor_id) VALUES ($1, 'child', $2, $3, $4, $5, $6, $7) RETURNING id`, p.User.ID, id, purpose, reason, instant(tx.now),
			instant(out.ExpiresAt), nullIfZero(p.User.SupervisorID)).Scan(&out.ID)
		if err != nil {
			return err
		}
		if err := tx.freeText(ctx, "break_glass.reason", "reason", out.ID, id, reason); err != nil {
			return err
		}
		// The opener's supervisor sees it in My work (BreakGlassService.Tasks);
		// without one, the Gold Group and auditors do, on the review page.
		e := tx.entry(vigil.ActionBreakGlass, vigil.KindChild, []int64{id}, vigil.OutcomeOK, "break-glass: "+vigil.BreakGlassPurposeLabel(purpose))
		e.Purpose, e.BreakGlass = reason, true
		tx.pending = append(tx.pending, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Share implements vigil.ChildService.
func (s *ChildService) Share(ctx context.Context, sh vigil.Share) (*vigil.Share, error) {
	sh.Purpose, sh.LawfulBasis = strings.TrimSpace(sh.Purpose), strings.TrimSpace(sh.LawfulBasis)
	var v vigil.Validation
	if sh.AgencyID == 0 {
		v.Add("agency_id", "Select the agency to share with")
	}
	if !slices.Contains(sh.Parts, vigil.PartIdentity) {
		sh.Parts = append([]string{vigil.PartIdentity}, sh.Parts...)
	}
	for _, part := range sh.Parts {
		if !slices.Contains(vigil.ChildParts, part) {
			v.Add("parts", "%q is not a part of a child's record", part)
		}
	}
	if len(sh.Purpose) < 5 || len(sh.Purpose) > 500 {
		v.Add("purpose", "Say why you are sharing, in 5 to 500 characters")
	}
	if !slices.Contains(vigil.LawfulBases, sh.LawfulBasis) {
		v.Add("lawful_basis", "Select the lawful basis for sharing")
	}
	if sh.Until != nil && !sh.Until.After(s.db.clock.Now()) {
		v.Add("until", "The end of sharing must be in the future")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sh.RecordKind = vigil.KindChild
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionShare, vigil.KindChild); err != nil {
			return err
		}
		if _, _, err := tx.decideChild(ctx, vigil.ActionShare, sh.RecordID); err != nil {
			return err
		}
		// Nobody shares what is held back from them.
		seen := []vigil.ChildRecord{{Child: vigil.Child{ID: sh.RecordID}}}
		if err := tx.mask(ctx, seen); err != nil {
			return err
		}
		for _, part := range sh.Parts {
			if seen[0].IsWithheld(part) {
				err := vigil.HiddenPartError(part)
				tx.denied = append(tx.denied, tx.entry(vigil.ActionShare, vigil.KindChild, []int64{sh.RecordID}, vigil.OutcomeDenied,
					vigil.DenialReason(err)))
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, "SELECT name FROM agencies WHERE id = $1", sh.AgencyID).Scan(&sh.AgencyName); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				var v vigil.Validation
				v.Add("agency_id", "Select the agency to share with")
				return v.Err()
			}
			return err
		}
		var until any
		if sh.Until != nil {
			until = instant(*sh.Until)
		}
		sh.SharedBy, sh.SharedAt = tx.UserID(), tx.now
		err := tx.QueryRowContext(ctx, `INSERT INTO shares (agency_id, record_kind, record_id, parts, purpose, lawful_basis,
			shared_by, shared_at, until_at) VALUES ($1, 'child', $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			sh.AgencyID, sh.RecordID, listText(sh.Parts, func(s string) string { return s }), sh.Purpose, sh.LawfulBasis,
			sh.SharedBy, instant(tx.now), until).Scan(&sh.ID)
		if err != nil {
			return err
		}
		if err := tx.freeText(ctx, "shares.purpose", "purpose", sh.ID, sh.RecordID, sh.Purpose); err != nil {
			return err
		}
		e := tx.entry(vigil.ActionShare, vigil.KindChild, []int64{sh.RecordID}, vigil.OutcomeOK,
			"shared "+strings.Join(sh.Parts, ", ")+" with "+sh.AgencyName+" ("+sh.LawfulBasis+")")
		e.Purpose = sh.Purpose
		tx.pending = append(tx.pending, e)
		return tx.history(ctx, vigil.KindChild, sh.RecordID, "share", nil, map[string]string{
			"shared_with": sh.AgencyName + ": " + strings.Join(sh.Parts, ", ")})
	})
	if err != nil {
		return nil, err
	}
	return &sh, nil
}

// RevokeShare implements vigil.ChildService.
func (s *ChildService) RevokeShare(ctx context.Context, id int64) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionShare, vigil.KindChild); err != nil {
			return err
		}
		var child int64
		var agency string
		err := tx.QueryRowContext(ctx, `SELECT s.record_id, a.name FROM shares s JOIN agencies a ON a.id = s.agency_id
			WHERE s.id = $1 AND s.record_kind = 'child'`, id).Scan(&child, &agency)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Share")
		}
		if err != nil {
			return err
		}
		if _, _, err := tx.decideChild(ctx, vigil.ActionShare, child); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE shares SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL",
			instant(tx.now), tx.UserID(), id); err != nil {
			return err
		}
		tx.log(vigil.ActionShare, vigil.KindChild, []int64{child}, vigil.OutcomeOK, "stopped sharing with "+agency)
		return tx.history(ctx, vigil.KindChild, child, "share_revoked", map[string]string{"shared_with": agency}, map[string]string{"shared_with": ""})
	})
}

// Shares implements vigil.ChildService.
func (s *ChildService) Shares(ctx context.Context, childID int64) ([]vigil.Share, error) {
	var out []vigil.Share
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.decideChild(ctx, vigil.ActionRead, childID); err != nil {
			return err
		}
		var err error
		if out, err = tx.shares(ctx, childID); err != nil {
			return err
		}
		tx.log(vigil.ActionRead, vigil.KindChild, []int64{childID}, vigil.OutcomeOK, "shares")
		return nil
	})
	return out, err
}

// shares reads a child's shares: a partner sees only its own agency's.
func (tx *Tx) shares(ctx context.Context, childID int64) ([]vigil.Share, error) {
	q := `SELECT s.id, s.agency_id, a.name, s.record_id, s.parts, s.purpose, s.lawful_basis, s.shared_by, s.shared_at,
		s.until_at, s.revoked_at FROM shares s JOIN agencies a ON a.id = s.agency_id
		WHERE s.record_kind = 'child' AND s.record_id = $1`
	args := []any{childID}
	if tx.who.Scope == vigil.ScopeAgency {
		q += " AND s.agency_id = $2"
		args = append(args, tx.who.AgencyID)
	}
	rows, err := tx.QueryContext(ctx, q+" ORDER BY s.shared_at DESC, s.id DESC", args...)
	if err != nil {
		return nil, err
	}
	var out []vigil.Share
	for rows.Next() {
		var sh vigil.Share
		var parts string
		if err := rows.Scan(&sh.ID, &sh.AgencyID, &sh.AgencyName, &sh.RecordID, &parts, &sh.Purpose, &sh.LawfulBasis,
			&sh.SharedBy, scanInstant{&sh.SharedAt}, scanNullInstant{&sh.Until}, scanNullInstant{&sh.RevokedAt}); err != nil {
			rows.Close()
			return nil, err
		}
		sh.RecordKind, sh.Parts = vigil.KindChild, listItems(parts)
		out = append(out, sh)
	}
	return out, closeRows(rows)
}

// ChildHistory implements vigil.ChildService.
func (s *ChildService) ChildHistory(ctx context.Context, id int64) ([]vigil.Change, error) {
	var out []vigil.Change
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.decideChild(ctx, vigil.ActionRead, id); err != nil {
			return err
		}
		var err error
		if out, err = tx.historyOf(ctx, vigil.KindChild, id); err != nil {
			return err
		}
		// The history holds every field's values: leave out those of parts
		// held back from the principal, as a read of the record would.
		rec := []vigil.ChildRecord{{Child: vigil.Child{ID: id}}}
		if err := tx.mask(ctx, rec); err != nil {
			return err
		}
		if len(rec[0].Withheld) > 0 {
			kept := out[:0]
			for _, ch := range out {
				ch.Fields = slices.DeleteFunc(ch.Fields, func(f vigil.FieldChange) bool { return rec[0].IsWithheld(vigil.ChildFieldPart(f.Field)) })
				if len(ch.Fields) > 0 {
					kept = append(kept, ch)
				}
			}
			out = kept
		}
		if tx.who.Scope == vigil.ScopeAgency {
			if out, err = tx.agencyHistory(ctx, out); err != nil {
				return err
			}
		}
		tx.log(vigil.ActionRead, vigil.KindChild, []int64{id}, vigil.OutcomeOK, "history")
		return nil
	})
	return out, err
}

// agencyHistory keeps of a child's history what a partner agency may see:
// no restriction events (that something is restricted, by whom and when,
// is police business), and of the shares only those to their own agency.
func (tx *Tx) agencyHistory(ctx context.Context, changes []vigil.Change) ([]vigil.Change, error) {
	var agency string
	if err := tx.QueryRowContext(ctx, "SELECT name FROM agencies WHERE id = $1", tx.who.AgencyID).Scan(&agency); err != nil {
		return nil, err
	}
	ours := func(v *string) bool { return v != nil && (*v == agency || strings.HasPrefix(*v, agency+": ")) }
	kept := changes[:0]
	for _, ch := range changes {
		switch ch.Action {
		case "restrict", "restriction_lifted":
			continue
		case "share", "share_revoked":
			// Shares made at one instant are one change: keep our field.
			ch.Fields = slices.DeleteFunc(slices.Clone(ch.Fields), func(f vigil.FieldChange) bool {
				return f.Field == "shared_with" && !ours(f.After) && !ours(f.Before)
			})
			if len(ch.Fields) == 0 {
				continue
			}
		}
		kept = append(kept, ch)
	}
	return kept, nil
}
