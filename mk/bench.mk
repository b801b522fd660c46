# The benchmark (bench/README.md): minutes long, loopback only, so not part of
# `make test` or CI. BENCH_ARGS=--quick checks the bench itself in under two.

.PHONY: bench
bench: venv ## Benchmark on this machine (~5 min): bench/results.json and a table
	scripts/need-packages wrk=wrk taskset=util-linux
	$(BIN)/python -m bench.run $(BENCH_ARGS)
