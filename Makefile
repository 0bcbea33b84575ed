# CityLoop — the two commands a newcomer needs are `make run` and `make test`.
GO ?= go
export CGO_ENABLED ?= 0

.PHONY: run test build vet bench bench-intake bench-store bench-geo fuzz clean

run: ## serve on http://127.0.0.1:8080 with SQLite in ./data and a demo city on first start
	$(GO) run ./cmd/cityloop serve

test: ## every test; PostgreSQL/MQTT tests run when CITYLOOP_TEST_* are set (.ci/run sets them)
	$(GO) vet ./...
	$(GO) test -count=1 ./...

build:
	$(GO) build -o bin/cityloop ./cmd/cityloop

bench: bench-geo bench-store bench-intake

bench-geo:
	$(GO) test -run '^$$' -bench 'IndexLocate' -benchtime 2s -cpu 1 ./internal/geo/

bench-store:
	$(GO) test -run '^$$' -bench 'FindCases|CreateCase' -benchtime 3s ./internal/store/sqlstore/

bench-intake:
	$(GO) test -run '^$$' -bench 'Intake' -benchtime 5s ./internal/app/

clean:
	rm -rf bin data
