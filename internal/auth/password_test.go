package auth

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps tests fast; DefaultParams is exercised by one test and the
// benchmark.
var cheap = Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

func TestHashPassword_RoundTrip(t *testing.T) {
	enc, err := HashPassword("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("encoding %q lacks the expected PHC header", enc)
	}
	tests := []struct {
		name, pw   string
		ok, rehash bool
	}{
		{"right password, old params", "correct horse", true, true},
		{"wrong password", "correct horsE", false, false},
		{"empty password", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := VerifyPassword(tt.pw, enc)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.ok || rehash != tt.rehash {
				t.Errorf("VerifyPassword = (%v, %v), want (%v, %v)", ok, rehash, tt.ok, tt.rehash)
			}
		})
	}
}

func TestHashPassword_DefaultParamsNeedNoRehash(t *testing.T) {
	enc, err := HashPassword("s3cret-Pass", DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	ok, rehash, err := VerifyPassword("s3cret-Pass", enc)
	if err != nil || !ok || rehash {
		t.Fatalf("VerifyPassword = (%v, %v, %v), want (true, false, nil)", ok, rehash, err)
	}
}

func TestHashPassword_SaltsDiffer(t *testing.T) {
	a, _ := HashPassword("same", cheap)
	b, _ := HashPassword("same", cheap)
	if a == b {
		t.Fatal("two hashes of one password are equal; salt is not random")
	}
}

func TestHashPassword_RejectsBadParams(t *testing.T) {
	tests := []struct {
		name string
		p    Params
	}{
		{"zero iterations", Params{Memory: 64, Iterations: 0, Parallelism: 1, SaltLen: 16, KeyLen: 32}},
		{"zero parallelism", Params{Memory: 64, Iterations: 1, Parallelism: 0, SaltLen: 16, KeyLen: 32}},
		{"memory below 8p", Params{Memory: 15, Iterations: 1, Parallelism: 2, SaltLen: 16, KeyLen: 32}},
		{"memory too big", Params{Memory: 1<<20 + 1, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}},
		{"short salt", Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 4, KeyLen: 32}},
		{"short key", Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := HashPassword("x", tt.p); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestParsePHC(t *testing.T) {
	// salt = 16 zero bytes, hash = 32 zero bytes
	salt := "AAAAAAAAAAAAAAAAAAAAAA"
	hash := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	good := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + hash
	if _, _, _, err := ParsePHC(good); err != nil {
		t.Fatalf("ParsePHC(good) = %v", err)
	}
	tests := []struct{ name, enc string }{
		{"empty", ""},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + hash},
		{"old version", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + hash},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + hash},
		{"params out of order", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + hash},
		{"negative", "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + hash},
		{"zero t", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + hash},
		{"zero p", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + hash},
		{"p overflows uint8", "$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + hash},
		{"huge memory", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + hash},
		{"extra field", good + "$x"},
		{"padded base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + hash},
		{"short salt", "$argon2id$v=19$m=64,t=1,p=1$AAAA$" + hash},
		{"empty hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"oversize", good + strings.Repeat("A", 600)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := ParsePHC(tt.enc)
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("ParsePHC = %v, want ErrMalformedHash", err)
			}
			ok, rehash, err := VerifyPassword("x", tt.enc)
			if ok || rehash || !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("VerifyPassword = (%v, %v, %v), want (false, false, ErrMalformedHash)", ok, rehash, err)
			}
		})
	}
}

func FuzzVerifyPassword(f *testing.F) {
	enc, err := HashPassword("pw", cheap)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("pw", enc)
	f.Add("pw", "$argon2id$v=19$m=64,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("", "$argon2id$v=19$m=8,t=1,p=1$$")
	f.Add("x", "$$$$$")
	f.Fuzz(func(t *testing.T, pw, encoded string) {
		// Valid but costly parameters would make each run take seconds or
		// gigabytes; parsing them is what we are fuzzing, not argon2.
		if p, _, _, err := ParsePHC(encoded); err == nil && (p.Memory > 1024 || p.Iterations > 2 || p.Parallelism > 2) {
			t.Skip()
		}
		ok, rehash, err := VerifyPassword(pw, encoded)
		if err != nil && (ok || rehash) {
			t.Fatalf("error %v came with ok=%v rehash=%v", err, ok, rehash)
		}
		if rehash && !ok {
			t.Fatal("needsRehash without ok")
		}
	})
}

func BenchmarkHashPassword(b *testing.B) {
	p := DefaultParams()
	n := 0
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple", p); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "hashes/s")
}

// BenchmarkHashPasswordParallel shows the whole machine's login rate; if it
// is well below cores × the serial rate, the 19 MiB per hash are contending
// for memory bandwidth.
func BenchmarkHashPasswordParallel(b *testing.B) {
	p := DefaultParams()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := HashPassword("correct horse battery staple", p); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}
