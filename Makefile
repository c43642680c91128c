# The two commands a newcomer runs: `make demo` and `make test` (see README.md).
SWIFT ?= swift

.PHONY: setup build demo test bench bench-projections bench-ingest bench-ingress bench-delivery bench-sustained clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

demo: build
	.build/debug/clickunlock demo

# The Swift tests run in three rounds so that fewer child processes share the two cores at once: the
# end-to-end tests of the `clickunlock` binary (AppTests: serve, backup, doctor, alerting… as real
# processes), then the rest, then the fuzz suites (CPU-heavy for ~10 s each). Then the dashboard API's black-box
# suite (Tests/api: pytest and schemathesis in .build/venv) against the built binary, the web
# dashboard's browser suite (Tests/web: Selenium and headless Chromium; screenshots in .build/test-output/web),
# and the deployment checks (promtool, systemd-analyze, caddy, nginx; docs/deploy.md run as written).
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter AppTests --skip Fuzz
	$(SWIFT) test --skip-build --skip AppTests --skip Fuzz
	$(SWIFT) test --skip-build --filter Fuzz
	bash scripts/api-tests.sh
	bash scripts/web-tests.sh
	bash scripts/deploy-tests.sh

# The dashboard API's black-box suite alone (after a build); PYTEST_ARGS="-k figures" narrows it.
.PHONY: api-test
api-test: setup
	bash scripts/api-tests.sh $(PYTEST_ARGS)

# The deployment files' checks and docs/deploy.md run, alone (after a build); PYTEST_ARGS narrows the page's run.
.PHONY: deploy-test
deploy-test: setup
	bash scripts/deploy-tests.sh $(PYTEST_ARGS)

# The web dashboard's browser suite alone (after a build); PYTEST_ARGS="-k restart" narrows it.
.PHONY: web-test
web-test: setup
	bash scripts/web-tests.sh $(PYTEST_ARGS)

# Style: swift-format lint --strict with .swift-format, and no Swift line over 120 columns (CI runs it).
.PHONY: lint docs
lint:
	SWIFT=$(SWIFT) bash scripts/lint.sh

# The EventStore DocC archive in .build/docs; fails on an undocumented public symbol or a DocC warning.
docs:
	SWIFT=$(SWIFT) bash scripts/docs.sh

bench: setup
	$(SWIFT) build -c release --product LogBench
	.build/release/LogBench

bench-projections: setup
	$(SWIFT) build -c release --product ProjectionBench
	.build/release/ProjectionBench

bench-delivery: setup
	$(SWIFT) build -c release --product DeliveryBench
	.build/release/DeliveryBench

bench-ingest: setup
	bash Benchmarks/ingest-load.sh

# 60 s of /webhook at full speed, per 5 s slice, then the projections' catch-up (needs wrk, sqlite3).
bench-sustained: setup
	bash Benchmarks/sustained-load.sh

# The dashboard API under load: 1,000,000 events, 1,000 webhooks/s in the background, wrk on every route.
.PHONY: bench-api
bench-api: setup
	bash Benchmarks/api-load.sh

# The live feed: N WebSocket clients while signed webhooks arrive at a fixed rate (CLIENTS=, RATE=,
# RUN_SECONDS=, RUNS=, BIN=; see Benchmarks/feed-load.sh).
.PHONY: bench-feed
bench-feed: setup
	bash Benchmarks/feed-load.sh

bench-ingress: setup
	$(SWIFT) build -c release --product IngressBench
	.build/release/IngressBench

clean:
	rm -rf .build data
