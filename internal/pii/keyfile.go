package pii

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// LoadKeyring returns the keys given in spec or, when spec is empty, those
// kept in the file at path, which it creates with one new key (mode 0600)
// when it does not exist yet; created says so, for the caller to tell the
// operator to back it up. Nodes sharing a database must all be given the
// same keys through spec.
func LoadKeyring(spec, path string) (k *Keyring, created bool, err error) {
	if spec == "" {
		b, err := os.ReadFile(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			spec = "k1:" + NewKey()
			if err := os.WriteFile(path, []byte(spec+"\n"), 0o600); err != nil {
				return nil, false, fmt.Errorf("write %s: %w", path, err)
			}
			created = true
		case err != nil:
			return nil, false, fmt.Errorf("read %s: %w", path, err)
		default:
			spec = strings.TrimSpace(string(b))
		}
	}
	k, err = ParseKeyring(spec)
	if err != nil {
		return nil, false, fmt.Errorf("personal-data keys: %w", err)
	}
	return k, created, nil
}
