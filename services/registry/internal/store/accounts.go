package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/russian"
	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

var roleCodes = map[identity.Role]int16{identity.Operator: 1, identity.Regional: 2, identity.Methodologist: 3, identity.Curator: 4}
var roleNames = map[int16]identity.Role{1: identity.Operator, 2: identity.Regional, 3: identity.Methodologist, 4: identity.Curator}

const accountColumns = `a.id, a.login, a.name, a.email, a.blocked, a.version, a.create_time, a.update_time, a.digests_off`

func scanAccount(row pgx.Row) (domain.Account, error) {
	var a domain.Account
	err := row.Scan(&a.ID, &a.Login, &a.Name, &a.Email, &a.Blocked, &a.Version, &a.CreateTime, &a.UpdateTime, &a.DigestsOff)
	return a, err
}

// ResolveRoles finds the path (region, municipality, organisation) of every
// role's scope. A scope that does not exist is a validation error of the role.
func (s *Store) ResolveRoles(ctx context.Context, roles []domain.RoleBinding) ([]domain.RoleBinding, error) {
	out := make([]domain.RoleBinding, len(roles))
	var ve validation.Error
	for i, r := range roles {
		r.Path = identity.Binding{Role: r.Role}
		var err error
		switch r.Role {
		case identity.Regional:
			err = s.db(ctx).QueryRow(ctx, `SELECT code FROM regions WHERE code = $1`, r.Scope).Scan(&r.Path.Region)
		case identity.Methodologist:
			r.Path.Municipality = r.Scope
			err = s.db(ctx).QueryRow(ctx, `SELECT region_code FROM municipalities WHERE id = $1`, r.Scope).Scan(&r.Path.Region)
		case identity.Curator:
			r.Path.Organisation = r.Scope
			err = s.db(ctx).QueryRow(ctx, `SELECT m.region_code, o.municipality_id FROM organisations o
				JOIN municipalities m ON m.id = o.municipality_id WHERE o.id = $1`, r.Scope).Scan(&r.Path.Region, &r.Path.Municipality)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			ve.Add(fmt.Sprintf("roles[%d].scope", i), validation.NotFound(map[identity.Role]string{
				identity.Regional: "region", identity.Methodologist: "municipality", identity.Curator: "organisation"}[r.Role]))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store.ResolveRoles: %w", database.Driver(err))
		}
		out[i] = r
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// loadRoles fills the resolved roles of accounts.
func loadRoles(ctx context.Context, q database.Querier, accounts []domain.Account) error {
	if len(accounts) == 0 {
		return nil
	}
	ids := make([]string, len(accounts))
	idx := map[string]int{}
	for i, a := range accounts {
		ids[i] = a.ID
		idx[a.ID] = i
	}
	rows, err := q.Query(ctx, `SELECT ar.account_id, ar.role,
			COALESCE(ar.region_code, m.region_code, om.region_code, ''),
			COALESCE(COALESCE(ar.municipality_id, o.municipality_id)::text, ''),
			COALESCE(ar.organisation_id::text, '')
		FROM account_roles ar
		LEFT JOIN municipalities m ON m.id = ar.municipality_id
		LEFT JOIN organisations o ON o.id = ar.organisation_id
		LEFT JOIN municipalities om ON om.id = o.municipality_id
		WHERE ar.account_id = ANY($1)
		ORDER BY ar.role, 3, 4, 5`, ids)
	if err != nil {
		return fmt.Errorf("store.loadRoles: %w", database.Driver(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			accountID string
			role      int16
			b         identity.Binding
		)
		if err := rows.Scan(&accountID, &role, &b.Region, &b.Municipality, &b.Organisation); err != nil {
			return fmt.Errorf("store.loadRoles: %w", database.Driver(err))
		}
		b.Role = roleNames[role]
		rb := domain.RoleBinding{Role: b.Role, Path: b}
		switch b.Role {
		case identity.Regional:
			rb.Scope = b.Region
		case identity.Methodologist:
			rb.Scope = b.Municipality
		case identity.Curator:
			rb.Scope = b.Organisation
		}
		i := idx[accountID]
		accounts[i].Roles = append(accounts[i].Roles, rb)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store.loadRoles: %w", database.Driver(err))
	}
	return nil
}

func insertRoles(ctx context.Context, tx pgx.Tx, accountID string, roles []domain.RoleBinding) error {
	for _, r := range roles {
		var region, mun, org *string
		switch r.Role {
		case identity.Regional:
			region = &r.Scope
		case identity.Methodologist:
			mun = &r.Scope
		case identity.Curator:
			org = &r.Scope
		}
		if _, err := tx.Exec(ctx, `INSERT INTO account_roles (account_id, role, region_code, municipality_id, organisation_id)
			VALUES ($1, $2, $3, $4, $5)`, accountID, roleCodes[r.Role], region, mun, org); err != nil {
			return err
		}
	}
	return nil
}

func roleDetails(roles []domain.RoleBinding) []map[string]string {
	out := make([]map[string]string, len(roles))
	for i, r := range roles {
		out[i] = map[string]string{"role": string(r.Role), "scope": r.Scope}
	}
	return out
}

// accountEntry is an audit entry about an account, placed where its first
// scoped role lies so that regional centres and methodologists see it.
func accountEntry(action string, a domain.Account, details any) AuditEntry {
	e := AuditEntry{Action: action, ObjectType: "account", ObjectID: a.ID, Details: details}
	for _, r := range a.Roles {
		if r.Path.Municipality != "" || r.Path.Region != "" {
			e.Region, e.MunicipalityID = r.Path.Region, r.Path.Municipality
			break
		}
	}
	return e
}

// CreateAccount inserts an account with resolved roles and a password hash.
func (s *Store) CreateAccount(ctx context.Context, actor domain.Actor, a domain.Account, passwordHash string) (domain.Account, error) {
	const op = "store.CreateAccount"
	a.ID = uuid.NewString()
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		if _, err := tx.Exec(ctx, `INSERT INTO accounts (id, login, name, search_key, email, password_hash)
			VALUES ($1, $2, $3, $4, $5, $6)`, a.ID, a.Login, a.Name, russian.SearchKey(a.Login, a.Name), a.Email, passwordHash); err != nil {
			if database.IsUniqueViolation(err, "accounts_login_key") {
				return nil, domain.ErrLoginTaken
			}
			return nil, err
		}
		if err := insertRoles(ctx, tx, a.ID, a.Roles); err != nil {
			return nil, err
		}
		return []AuditEntry{accountEntry("account.create", a, map[string]any{"login": a.Login, "name": a.Name, "roles": roleDetails(a.Roles)})}, nil
	})
	if err != nil {
		return domain.Account{}, fmt.Errorf("%s: %w", op, err)
	}
	return s.GetAccount(ctx, a.ID)
}

// GetAccount reads an account with its roles.
func (s *Store) GetAccount(ctx context.Context, id string) (domain.Account, error) {
	return getAccount(ctx, s.db(ctx), `a.id = $1`, id)
}

func getAccount(ctx context.Context, q database.Querier, cond string, arg any) (domain.Account, error) {
	a, err := scanAccount(q.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+cond, arg))
	if err != nil {
		return domain.Account{}, notFound("store.GetAccount", err)
	}
	list := []domain.Account{a}
	if err := loadRoles(ctx, q, list); err != nil {
		return domain.Account{}, err
	}
	return list[0], nil
}

// AccountFilter selects the accounts a reader manages: all for an operator,
// the methodologists of the regions it is a regional centre of, the curators
// of the municipalities it is a methodologist of; and always the reader's own.
type AccountFilter struct {
	Reach identity.Reach `json:"-"`
	Self  string         `json:"me,omitempty"`
	Query string         `json:"q,omitempty"`
}

// ListAccounts returns up to limit accounts after the login (empty: from the
// start), in login order.
func (s *Store) ListAccounts(ctx context.Context, f AccountFilter, afterLogin string, limit int) ([]domain.Account, error) {
	const op = "store.ListAccounts"
	var w where
	if !f.Reach.All {
		w.Add(`(a.id = ? OR EXISTS (SELECT 1 FROM account_roles ar
			LEFT JOIN municipalities m ON m.id = ar.municipality_id
			LEFT JOIN organisations o ON o.id = ar.organisation_id
			WHERE ar.account_id = a.id AND (
				(ar.role = 3 AND m.region_code = ANY(?)) OR
				(ar.role = 4 AND o.municipality_id::text = ANY(?)))))`, f.Self, f.Reach.Regions, f.Reach.Municipalities)
	}
	if f.Query != "" {
		w.Add(`a.search_key LIKE '%' || ? || '%'`, database.LikeEscape(f.Query))
	}
	w.Add("a.login > ?", afterLogin)
	w.Args = append(w.Args, limit)
	rows, err := s.db(ctx).Query(ctx, fmt.Sprintf(`SELECT %s FROM accounts a %s ORDER BY a.login LIMIT $%d`,
		accountColumns, w.SQL(), len(w.Args)), w.Args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Account, error) { return scanAccount(row) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := loadRoles(ctx, s.db(ctx), list); err != nil {
		return nil, err
	}
	return list, nil
}

// UpdateAccount replaces name, e-mail and roles when a.Version is current.
func (s *Store) UpdateAccount(ctx context.Context, actor domain.Actor, a domain.Account) (domain.Account, error) {
	const op = "store.UpdateAccount"
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		old, err := getAccount(ctx, tx, `a.id = $1 FOR UPDATE`, a.ID)
		if err != nil {
			return nil, err
		}
		if old.Version != a.Version {
			return nil, domain.ErrStale
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET name = $2, email = $3, search_key = $4, version = version + 1, update_time = now()
			WHERE id = $1`, a.ID, a.Name, a.Email, russian.SearchKey(old.Login, a.Name)); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM account_roles WHERE account_id = $1`, a.ID); err != nil {
			return nil, err
		}
		if err := insertRoles(ctx, tx, a.ID, a.Roles); err != nil {
			return nil, err
		}
		a.Login = old.Login
		return []AuditEntry{accountEntry("account.update", a, map[string]any{
			"name": []string{old.Name, a.Name}, "email": []string{old.Email, a.Email},
			"roles": map[string]any{"before": roleDetails(old.Roles), "after": roleDetails(a.Roles)}})}, nil
	})
	if err != nil {
		return domain.Account{}, fmt.Errorf("%s: %w", op, err)
	}
	return s.GetAccount(ctx, a.ID)
}

// SetBlocked blocks or unblocks an account; blocking ends its sessions and
// revokes its tokens.
func (s *Store) SetBlocked(ctx context.Context, actor domain.Actor, id string, blocked bool) (domain.Account, error) {
	const op = "store.SetBlocked"
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		a, err := getAccount(ctx, tx, `a.id = $1 FOR UPDATE`, id)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET blocked = $2, version = version + 1, update_time = now() WHERE id = $1`, id, blocked); err != nil {
			return nil, err
		}
		action := "account.unblock"
		if blocked {
			action = "account.block"
			if err := endCredentials(ctx, tx, id); err != nil {
				return nil, err
			}
		}
		return []AuditEntry{accountEntry(action, a, nil)}, nil
	})
	if err != nil {
		return domain.Account{}, fmt.Errorf("%s: %w", op, err)
	}
	return s.GetAccount(ctx, id)
}

func endCredentials(ctx context.Context, tx pgx.Tx, accountID string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, accountID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE api_tokens SET revoke_time = now() WHERE account_id = $1 AND revoke_time IS NULL`, accountID)
	return err
}

// SetPassword stores a new password hash. A reset by someone else also ends
// the account's sessions.
func (s *Store) SetPassword(ctx context.Context, actor domain.Actor, id, hash string, reset bool) error {
	const op = "store.SetPassword"
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		a, err := getAccount(ctx, tx, `a.id = $1 FOR UPDATE`, id)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = $2, update_time = now() WHERE id = $1`, id, hash); err != nil {
			return nil, err
		}
		action := "account.password_change"
		if reset {
			action = "account.password_reset"
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, id); err != nil {
				return nil, err
			}
		}
		return []AuditEntry{accountEntry(action, a, nil)}, nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// SetDigests turns the digests of account id off or on and returns the
// account; an unknown id is ErrNotFound. It changes no version (the person's
// choice does not conflict with a manager's edit).
func (s *Store) SetDigests(ctx context.Context, actor domain.Actor, id string, off bool) (domain.Account, error) {
	const op = "store.SetDigests"
	var out domain.Account
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET digests_off = $2 WHERE id = $1`, id, off); err != nil {
			return nil, err
		}
		a, err := getAccount(ctx, tx, `a.id = $1`, id)
		if err != nil {
			return nil, err
		}
		out = a
		return []AuditEntry{accountEntry("account.digests", a, map[string]bool{"digestsOff": off})}, nil
	})
	if err != nil {
		return domain.Account{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// Recipient is an account holding a role in a scope (role as stored: 2
// regional, 3 methodologist, 4 curator).
type Recipient struct {
	Role      int16
	Scope     string
	AccountID string
	Name      string
	Email     string
	// DigestsOff: the person turned digests off.
	DigestsOff bool
}

// ListRecipients returns the accounts, not blocked, of the curators of orgs,
// the methodologists of muns and the regional centres of regions.
func (s *Store) ListRecipients(ctx context.Context, orgs, muns, regions []string) ([]Recipient, error) {
	rows, err := s.pool.Query(ctx, `SELECT ar.role, COALESCE(ar.organisation_id::text, ar.municipality_id::text, ar.region_code),
			a.id::text, a.name, a.email, a.digests_off
		FROM account_roles ar JOIN accounts a ON a.id = ar.account_id
		WHERE NOT a.blocked AND (
			(ar.role = 4 AND ar.organisation_id = ANY($1::uuid[])) OR
			(ar.role = 3 AND ar.municipality_id = ANY($2::uuid[])) OR
			(ar.role = 2 AND ar.region_code = ANY($3)))`, orgs, muns, regions)
	if err != nil {
		return nil, fmt.Errorf("store.ListRecipients: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Recipient])
	if err != nil {
		return nil, fmt.Errorf("store.ListRecipients: %w", err)
	}
	return out, nil
}
