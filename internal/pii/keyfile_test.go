package pii

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadKeyring(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pii.keys")

	k1, created, err := LoadKeyring("", path)
	if err != nil || !created {
		t.Fatalf("first load: created=%v err=%v, want a new file", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, created, err := LoadKeyring("", path)
	if err != nil || created {
		t.Fatalf("second load: created=%v err=%v, want the same file read back", created, err)
	}
	sealed, err := k1.Encrypt("13800138000", "t")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.Decrypt(sealed, "t"); err != nil || got != "13800138000" {
		t.Errorf("key read back does not open what the new key sealed: %q %v", got, err)
	}

	// A spec wins over the file, and a bad one is refused.
	if _, created, err := LoadKeyring("k9:"+NewKey(), path); err != nil || created {
		t.Errorf("spec: created=%v err=%v", created, err)
	}
	if _, _, err := LoadKeyring("not a key", path); err == nil {
		t.Error("a malformed spec was accepted")
	}
	if err := os.WriteFile(path, []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadKeyring("", path); err == nil {
		t.Error("a malformed key file was accepted")
	}
}
