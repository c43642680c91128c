# The two commands a newcomer runs: `make demo` and `make test` (see README.md).
SWIFT ?= swift

.PHONY: setup build demo test bench bench-projections bench-ingest bench-ingress bench-delivery bench-sustained clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

demo: build
	.build/debug/clickunlock demo

# The fuzz suites (CPU-heavy for ~10 s each) run after the rest, so that the tests that time
# child processes and bursts do not share the two cores with them.
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip Fuzz
	$(SWIFT) test --skip-build --filter Fuzz

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

bench-ingress: setup
	$(SWIFT) build -c release --product IngressBench
	.build/release/IngressBench

clean:
	rm -rf .build data
