# nastavnik — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
# The Go the platform is built, tested and checked with. go1.26.8, the machine's,
# has standard-library vulnerabilities the code calls (net/http, html/template,
# crypto/tls, crypto/x509: `make vulncheck`); the go command downloads this one
# once through the module proxy. `make GOTOOLCHAIN=local …` uses the machine's.
export GOTOOLCHAIN := go1.27.3
BUF       := build/bin/buf
MODULES   := platform proto services/registry services/roadmap services/indicators gateway deploy
PKGS      := $(addsuffix /...,$(addprefix ./,$(MODULES)))
BIN       := bin
PROTODEPS := build/protodeps
# validate.proto of protovalidate, matching buf.build/go/protovalidate in the services.
PROTOVALIDATE := v1.2.2

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: run
run: ## Start PostgreSQL, every service and the gateway with demo data; print the URL.
	@scripts/run.sh

.PHONY: test
test: ## Run the whole suite against a real PostgreSQL (and check generated code).
	@scripts/test.sh

.PHONY: bench
bench: ## Country-scale benchmark of the indicator aggregates (p95 through the gateway vs plain SQL).
	@scripts/bench-aggregates.sh

.PHONY: bench-reminders
bench-reminders: ## Reminders for 45,000 organisations through the outbox into an SMTP sink vs go-mail alone.
	@scripts/bench-reminders.sh

.PHONY: bench-schedule
bench-schedule: ## The outbox schedulers on copies of the peak's country, this tree and BEFORE=<git rev>, vs SELECT count(*) of the reports.
	@scripts/bench-schedule.sh $(BEFORE)

.PHONY: bench-pages
bench-pages: ## Server time of the report form, the methodologist dashboard and the regional page (demo and a 2,000-organisation region) vs JSON reads in the same loop.
	@scripts/bench-pages.sh

.PHONY: country
country: ## Load a reproducible country (89 regions, 45,000 organisations, five years of reports, roadmaps) into a fresh stack, with a progress bar.
	@scripts/country.sh $(COUNTRY_FLAGS)

.PHONY: peak
peak: ## The December peak load through the gateway against pgbench on the same PostgreSQL (one table); PEAK_COUNTRY=45000 at country scale.
	@scripts/peak-load.sh

.PHONY: screenshots
screenshots: ## Screenshots of every page at 1280 and 360 px from a running `make run` (into screenshots/).
	@scripts/screenshots.sh

.PHONY: dashboard
dashboard: ## Regenerate the Grafana dashboard deploy/grafana/nastavnik.json from deploy/grafana/dashboard.go.
	@cd deploy && $(GO) run ./grafana/gen

.PHONY: build
build: ## Build every binary into bin/.
	@mkdir -p $(BIN)
	$(GO) build -ldflags="-s -w" -o $(BIN)/ ./services/registry/cmd/registry ./services/roadmap/cmd/roadmap \
		./services/indicators/cmd/indicators ./gateway/cmd/gateway ./gateway/cmd/seed ./platform/cmd/dbinit \
		./services/registry/cmd/registry-admin

$(PROTODEPS)/buf/validate/validate.proto: Makefile
	@mkdir -p $(dir $@)
	@dir=$$(GOWORK=off GOFLAGS=-mod=mod $(GO) mod download -json github.com/bufbuild/protovalidate@$(PROTOVALIDATE) | \
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p') && test -n "$$dir" && \
		cp "$$dir/proto/protovalidate/buf/validate/validate.proto" $@ && chmod 644 $@

.PHONY: protodeps
protodeps: $(PROTODEPS)/buf/validate/validate.proto $(BUF)

# buf is pinned in its own module (tools/go.mod): it needs a pre-release protobuf
# that must not move the application's.
.PHONY: $(BUF)
$(BUF):
	@GOWORK=off $(GO) -C tools build -o ../$(BUF) github.com/bufbuild/buf/cmd/buf

.PHONY: generate
generate: protodeps ## Regenerate Go code and OpenAPI from proto/ (local plugins, no BSR).
	rm -rf proto/gen gateway/internal/api/openapi/*.json
	$(BUF) generate

.PHONY: lint
lint: protodeps ## buf lint, go vet and gofmt.
	$(BUF) lint proto
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "not gofmt-ed:"; echo "$$out"; exit 1; fi

.PHONY: check-generated
check-generated: generate ## Fail when regenerating changes committed code.
	@git diff --exit-code --stat -- proto/gen gateway/internal/api/openapi || \
		(echo "generated code is stale: run 'make generate' and commit"; exit 1)
	@untracked=$$(git ls-files --others --exclude-standard -- proto/gen gateway/internal/api/openapi); \
		if [ -n "$$untracked" ]; then echo "untracked generated files:"; echo "$$untracked"; exit 1; fi

.PHONY: vulncheck
vulncheck: ## govulncheck over every module, offline, against the pinned Go vulnerability database.
	@scripts/vulncheck.sh

.PHONY: backup
backup: ## Back up make run's database into .data/backup/ (scripts/backup.sh; restore with scripts/restore.sh).
	@scripts/backup.sh "postgres://postgres@127.0.0.1:$${PGPORT:-5544}/nastavnik" ".data/backup/nastavnik-$$(date +%Y%m%d-%H%M%S).dump"

.PHONY: tidy
tidy: ## go mod tidy in every module.
	@for m in $(MODULES); do (cd $$m && $(GO) mod tidy) || exit 1; done

.PHONY: db-stop
db-stop: ## Stop the local PostgreSQL clusters.
	@scripts/pg.sh stop .data/pg; scripts/pg.sh stop .data/pgtest
