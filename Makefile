# CityLoop — the two commands a newcomer needs are `make run` and `make test`.
GO ?= go
export CGO_ENABLED ?= 0

.PHONY: web run test build vet bench bench-intake bench-store bench-geo bench-lists fuzz clean

# The front-end bundle (frontend/ → internal/web/static/dist, embedded by Go).
# npm ci + esbuild run only when a source changed (the stamp file); without
# Node the Go build still works and the pages say how to build the bundle.
WEB_SRC := $(wildcard frontend/src/*) frontend/package.json frontend/package-lock.json frontend/build.mjs
web: frontend/.stamp ## build the front-end bundle when its sources changed
frontend/.stamp: $(WEB_SRC)
	@if command -v npm >/dev/null 2>&1; then \
		cd frontend && npm ci --no-audit --no-fund --loglevel=error && node build.mjs && touch .stamp; \
	else echo "npm not found: pages will run without the bundle (install Node.js 18+ and run make web)"; fi

run: web ## serve on http://127.0.0.1:8080 with SQLite in ./data and a demo city on first start
	$(GO) run ./cmd/cityloop serve

test: web ## every test; PostgreSQL/MQTT tests run when CITYLOOP_TEST_* are set (.ci/run sets them)
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

build: web
	$(GO) build -o bin/cityloop ./cmd/cityloop

bench: bench-geo bench-store bench-intake

bench-geo:
	$(GO) test -run '^$$' -bench 'IndexLocate' -benchtime 2s -cpu 1 ./internal/geo/

bench-store:
	$(GO) test -run '^$$' -bench 'FindCases|CreateCase' -benchtime 3s ./internal/store/sqlstore/

# Every list filter and every post's workbench on the 1,000,000-case demo
# city (built once into the OS temp dir, keyed by the migrations).
bench-lists:
	$(GO) test -run '^$$' -bench 'CaseList_DemoCity' -benchtime 1x -timeout 90m ./internal/app/

bench-intake:
	$(GO) test -run '^$$' -bench 'Intake' -benchtime 5s ./internal/app/

clean:
	rm -rf bin data
