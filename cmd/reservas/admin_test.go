package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/reservas/reservas/ingress/admin"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/store/storetest"
)

func TestAdminAddUserSetPasswordAndList(t *testing.T) {
	dsn := storetest.DatabaseURL(t)
	cfg := config{DatabaseURL: dsn, PublicBaseURL: "https://cabanas.example.com", BusinessTZ: "America/Argentina/Buenos_Aires"}
	ctx := context.Background()
	var out bytes.Buffer
	err := runAdmin(ctx, cfg, []string{"add-user", "--email", "Owner@Example.com", "--password-stdin"}, strings.NewReader("cabañas del lago 2026\n"), &out)
	if err != nil {
		t.Fatalf("add-user: %v", err)
	}
	if !strings.Contains(out.String(), "added owner@example.com (admin); log in at https://cabanas.example.com/admin/") {
		t.Errorf("add-user printed %q", out.String())
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.AdminUserByEmail(ctx, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || !admin.CheckPassword(u.PasswordHash, "cabañas del lago 2026") {
		t.Fatalf("stored hash %q does not check the password read from stdin (without its newline)", u.PasswordHash)
	}

	err = runAdmin(ctx, cfg, []string{"add-user", "--email", "owner@example.com", "--password-stdin"}, strings.NewReader("another password\n"), &out)
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("adding the same email again: %v", err)
	}
	out.Reset()
	if err := runAdmin(ctx, cfg, []string{"add-user", "--email", "viewer@example.com", "--password-stdin", "--role", "readonly"},
		strings.NewReader("solo mirar 12345"), &out); err != nil {
		t.Fatalf("add readonly user: %v", err)
	}
	if err := runAdmin(ctx, cfg, []string{"set-password", "--email", "owner@example.com", "--password-stdin"},
		strings.NewReader("una clave nueva larga\r\n"), &out); err != nil {
		t.Fatalf("set-password: %v", err)
	}
	u, _ = s.AdminUserByEmail(ctx, "owner@example.com")
	if !admin.CheckPassword(u.PasswordHash, "una clave nueva larga") || admin.CheckPassword(u.PasswordHash, "cabañas del lago 2026") {
		t.Fatal("set-password did not replace the password")
	}
	out.Reset()
	if err := runAdmin(ctx, cfg, []string{"list-users"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "owner@example.com") || !strings.Contains(out.String(), "viewer@example.com  readonly") {
		t.Errorf("list-users:\n%s", out.String())
	}
}

func TestAdminCommandRefusesBadInput(t *testing.T) {
	dsn := storetest.DatabaseURL(t)
	cfg := config{DatabaseURL: dsn, BusinessTZ: "UTC"}
	ctx := context.Background()
	for name, tc := range map[string]struct {
		args  []string
		stdin string
	}{
		"no subcommand":       {nil, ""},
		"unknown subcommand":  {[]string{"remove-user"}, ""},
		"no email":            {[]string{"add-user", "--password-stdin"}, "long enough password"},
		"password in argv":    {[]string{"add-user", "--email", "a@b.c", "--password", "x"}, ""},
		"no --password-stdin": {[]string{"add-user", "--email", "a@b.c"}, "long enough password"},
		"bad role":            {[]string{"add-user", "--email", "a@b.c", "--password-stdin", "--role", "root"}, "long enough password"},
		"short password":      {[]string{"add-user", "--email", "a@b.c", "--password-stdin"}, "short\n"},
		"empty stdin":         {[]string{"add-user", "--email", "a@b.c", "--password-stdin"}, ""},
		"unknown user":        {[]string{"set-password", "--email", "nobody@b.c", "--password-stdin"}, "long enough password"},
	} {
		if err := runAdmin(ctx, cfg, tc.args, strings.NewReader(tc.stdin), &bytes.Buffer{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestIngressRefusesToStartWithoutSessionSecret(t *testing.T) {
	cfg := config{WhatsAppAppSecret: "s", WhatsAppVerifyToken: "v", BusinessTZ: "UTC"}
	if err := validateAdmin(cfg); !errors.Is(err, admin.ErrNoSessionSecret) {
		t.Fatalf("validateAdmin without SESSION_SECRET: %v", err)
	}
	// runProcesses checks before it touches Postgres or Redis (none are configured here).
	if err := runProcesses(context.Background(), cfg, "ingress"); !errors.Is(err, admin.ErrNoSessionSecret) {
		t.Fatalf("ingress without SESSION_SECRET: %v", err)
	}
	cfg.SessionSecret = strings.Repeat("k", admin.MinSecretLen)
	if err := validateAdmin(cfg); err != nil {
		t.Fatalf("with a secret: %v", err)
	}
}
