# The two commands of the README, and the targets they are built from.
#   make demo   — install what is missing, build, run the main job
#   make test   — install what is missing, run the whole test suite
SHELL := /bin/bash
SCRATCH ?= .build
SWIFT_FLAGS := --scratch-path $(SCRATCH)
APT_PACKAGES := libopenblas-dev libzmq3-dev libprotobuf-c-dev protobuf-c-compiler pkg-config
RELEASE := $(SCRATCH)/release
RUN ?= runs/demo

.PHONY: setup build test demo bench

## Install the system packages that are missing (apt, with sudo when not root).
setup:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

build: setup
	swift build -c release $(SWIFT_FLAGS)

test: setup
	swift test $(SWIFT_FLAGS)

## Until the parameter server lands: a GPT-2 initialized by `bfpo-worker init`, random preference pairs,
## and the BFPO loss and gradient of every objective computed by `bfpo-worker gradient`.
demo: build
	@mkdir -p $(RUN)
	$(RELEASE)/bfpo-worker init --layers 4 --heads 4 --embd 256 --vocab 512 --positions 256 --seed 0 --out $(RUN)/model --force
	@awk 'BEGIN { srand(1); for (i = 0; i < 16; i++) { \
		p = 8 + int(rand() * 24); c = 4 + int(rand() * 40); r = 4 + int(rand() * 40); \
		ci = ""; cm = ""; ri = ""; rm = ""; \
		for (t = 0; t < p; t++) { id = int(rand() * 512); ci = ci id ","; cm = cm "0,"; ri = ri id ","; rm = rm "0,"; } \
		for (t = 0; t < c; t++) { ci = ci int(rand() * 512) ","; cm = cm "1,"; } \
		for (t = 0; t < r; t++) { ri = ri int(rand() * 512) ","; rm = rm "1,"; } \
		printf "{\"chosen_ids\":[%s],\"chosen_mask\":[%s],\"rejected_ids\":[%s],\"rejected_mask\":[%s],\"is_chosen_safe\":%d,\"is_rejected_safe\":%d}\n", \
			substr(ci, 1, length(ci) - 1), substr(cm, 1, length(cm) - 1), substr(ri, 1, length(ri) - 1), substr(rm, 1, length(rm) - 1), i % 2, int(i / 2) % 2; } }' \
		> $(RUN)/pairs.jsonl
	@for objective in bfpo dpo ipo sft; do \
		$(RELEASE)/bfpo-worker gradient --model $(RUN)/model --data $(RUN)/pairs.jsonl --objective $$objective \
			--out $(RUN)/gradient-$$objective.safetensors > $(RUN)/gradient-$$objective.json || exit 1; \
	done
	@echo "demo: model in $(RUN)/model, pairs in $(RUN)/pairs.jsonl, gradients and per-pair log-probs in $(RUN)/gradient-*.{safetensors,json}"

## The compute benchmark of the BFPO step (BENCHMARKS.md): bfpo-bench, then the PyTorch reference on the same
## rows (bench/compare.py) when torch and transformers are importable. Options for bfpo-bench go in
## BENCH_FLAGS, e.g. BENCH_FLAGS='--configs small --threads 1 --steps 3'.
PYTHON ?= python3
BENCH_FLAGS ?=
BENCH_RESULTS := $(SCRATCH)/bench-results

bench: setup
	swift build -c release $(SWIFT_FLAGS) --product bfpo-bench
	@mkdir -p $(BENCH_RESULTS)
	$(RELEASE)/bfpo-bench $(BENCH_FLAGS) --json $(BENCH_RESULTS)/swift.jsonl
	@if $(PYTHON) -c 'import torch, transformers' 2>/dev/null; then \
		$(PYTHON) bench/compare.py --swift $(BENCH_RESULTS)/swift.jsonl --out $(BENCH_RESULTS)/pytorch.jsonl; \
	else \
		echo "torch/transformers not importable: PyTorch reference skipped"; \
	fi

## Regenerate the committed protobuf-c code of the wire protocol from proto/bfpo.proto (protoc-c, from
## protobuf-c-compiler; the header goes to include/). Tests/SharedTests/Wire/GeneratedCodeTests.swift runs
## the same protoc-c command and fails when the committed files differ. PROTO_C_DIR=/tmp/x writes elsewhere.
PROTO_C_DIR ?= Sources/CBFPOWire

.PHONY: proto
proto:
	@mkdir -p $(PROTO_C_DIR)/include
	protoc-c --proto_path=proto --c_out=$(PROTO_C_DIR) proto/bfpo.proto
	mv $(PROTO_C_DIR)/bfpo.pb-c.h $(PROTO_C_DIR)/include/bfpo.pb-c.h
