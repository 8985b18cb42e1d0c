package vigiltest

import (
	"context"
	"testing"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

// DemoPassword is the demo accounts' password in tests.
const DemoPassword = "tangerine-lighthouse-42"

// LoadDemo fills db with the small demo force (seed 7, as of Epoch), every
// account with DemoPassword, and returns it.
func LoadDemo(t testing.TB, db *sqlstore.DB) *demo.Org {
	t.Helper()
	return LoadDemoWith(t, db, demo.Config{Seed: 7, Scale: demo.Small, AsOf: Epoch})
}

// LoadDemoWithoutMissing is LoadDemo without the missing episodes and
// plans, for tests that count from nothing.
func LoadDemoWithoutMissing(t testing.TB, db *sqlstore.DB) *demo.Org {
	t.Helper()
	return LoadDemoWith(t, db, demo.Config{Seed: 7, Scale: demo.Small, AsOf: Epoch, NoMissing: true})
}

// SmallDemo is the configuration LoadDemo (withMissing) and
// LoadDemoWithoutMissing load, for DemoDB.
func SmallDemo(withMissing bool) demo.Config {
	return demo.Config{Seed: 7, Scale: demo.Small, AsOf: Epoch, NoMissing: !withMissing}
}

// LoadDemoWith fills db with the demo force for cfg.
func LoadDemoWith(t testing.TB, db *sqlstore.DB, cfg demo.Config) *demo.Org {
	t.Helper()
	hash, err := password.Hasher{Params: password.Cheap}.Hash(DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.SystemPrincipal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	org, err := app.LoadDemo(vigil.WithPrincipal(context.Background(), p), db,
		cfg, hash, nil)
	if err != nil {
		t.Fatalf("load demo: %v", err)
	}
	return org
}
