# The two commands a newcomer runs: `make demo` and `make test` (see README.md).
SWIFT ?= swift

.PHONY: setup build demo test bench clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

demo: build
	.build/debug/clickunlock demo

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: setup
	$(SWIFT) build -c release --product LogBench
	.build/release/LogBench

clean:
	rm -rf .build data
