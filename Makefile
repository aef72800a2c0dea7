# The two commands of the README, and the targets they are built from.
#   make demo   — install what is missing, build, run the main job
#   make test   — install what is missing, run the whole test suite
SHELL := /bin/bash
SCRATCH ?= .build
SWIFT_FLAGS := --scratch-path $(SCRATCH)
# python3-jinja2: the test that renders the chat_template we write as transformers does.
APT_PACKAGES := libopenblas-dev libzmq3-dev libprotobuf-c-dev protobuf-c-compiler pkg-config python3-jinja2
RELEASE := $(SCRATCH)/release

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

## The main job: BFPO training of a small GPT-2 (made once by `bfpo-worker init`, with the byte tokenizer) on the
## bundled safety benchmark, by a coordinator and 2 workers on this machine (cluster/local.sh). Each run gets a
## directory of its own under runs/; Ctrl-C checkpoints and stops it.
DEMO_MODEL ?= runs/demo-model
DEMO_RUN ?= runs/demo-$(shell date +%Y%m%d-%H%M%S)
# Empty: local.sh takes 5555, or a free port when 5555 is taken.
DEMO_PORT ?=
DEMO_WORKERS ?= 2

demo: build
	@if [ ! -f $(DEMO_MODEL)/model.safetensors ]; then \
		$(RELEASE)/bfpo-worker init --layers 4 --heads 4 --embd 128 --vocab 260 --positions 256 \
			--eos-token-id 256 --bos-token-id 256 --seed 0 --out $(DEMO_MODEL) && \
		$(RELEASE)/bfpo-worker make-tokenizer --out $(DEMO_MODEL); \
	fi
	cluster/local.sh --workers $(DEMO_WORKERS) --recipe recipes/bfpo-tiny.yaml --run-dir $(DEMO_RUN) $(if $(DEMO_PORT),--port $(DEMO_PORT)) \
		--bin $(RELEASE) -- --set model=$(abspath $(DEMO_MODEL))

## The benchmarks of BENCHMARKS.md: the compute benchmark of the BFPO step (bfpo-bench), then the PyTorch reference
## on the same rows (bench/compare.py) when torch and transformers are importable; the parameter server's pull + push
## of a 124M-float vector beside raw libzmq (bfpo-bench transfer); end-to-end training tokens/s with 1 and 2 workers
## (bench/end_to_end.sh). Options for the compute rows go in BENCH_FLAGS, e.g. BENCH_FLAGS='--configs small --threads 1'.
PYTHON ?= python3
BENCH_FLAGS ?=
BENCH_RESULTS := $(SCRATCH)/bench-results

bench: build
	@mkdir -p $(BENCH_RESULTS)
	$(RELEASE)/bfpo-bench $(BENCH_FLAGS) --json $(BENCH_RESULTS)/swift.jsonl
	@if $(PYTHON) -c 'import torch, transformers' 2>/dev/null; then \
		$(PYTHON) bench/compare.py --swift $(BENCH_RESULTS)/swift.jsonl --out $(BENCH_RESULTS)/pytorch.jsonl; \
	else \
		echo "torch/transformers not importable: PyTorch reference skipped"; \
	fi
	$(RELEASE)/bfpo-bench transfer --json $(BENCH_RESULTS)/transfer.jsonl
	bench/end_to_end.sh --bin $(RELEASE)

## Regenerate the committed protobuf-c code of the wire protocol from proto/bfpo.proto (protoc-c, from
## protobuf-c-compiler; the header goes to include/). Tests/SharedTests/Wire/GeneratedCodeTests.swift runs
## the same protoc-c command and fails when the committed files differ. PROTO_C_DIR=/tmp/x writes elsewhere.
PROTO_C_DIR ?= Sources/CBFPOWire

.PHONY: proto
proto:
	@mkdir -p $(PROTO_C_DIR)/include
	protoc-c --proto_path=proto --c_out=$(PROTO_C_DIR) proto/bfpo.proto
	mv $(PROTO_C_DIR)/bfpo.pb-c.h $(PROTO_C_DIR)/include/bfpo.pb-c.h
