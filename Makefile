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

## The main job, as BFPO is used: a tiny GPT-2 (made once, at DEMO_MODEL) is fine-tuned with SFT on the bundled
## benchmark's train split (recipes/demo-sft.yaml), then trained with BFPO from the SFT model (recipes/demo-bfpo.yaml),
## each by a coordinator and 2 workers on this machine (cluster/local.sh); then the initial, SFT and BFPO models are
## evaluated on the test split (`bfpo-worker eval --generate`, implicit rewards against the SFT model) and compared
## in one table (bench/eval_table.sh), also written to DEMO_RUN/eval.md: all of it by bench/pipeline.sh. Each
## pipeline gets a directory of its own under runs/; Ctrl-C checkpoints and stops the step that runs.
DEMO_MODEL ?= runs/demo-model-bpe
DEMO_RUN ?= runs/demo-$(shell date +%Y%m%d-%H%M%S)
# Empty: local.sh takes 5555, or a free port when 5555 is taken.
DEMO_PORT ?=
DEMO_WORKERS ?= 2

demo: build
	bench/pipeline.sh --model $(DEMO_MODEL) --run $(DEMO_RUN) --workers $(DEMO_WORKERS) $(if $(DEMO_PORT),--port $(DEMO_PORT)) \
		--bin $(RELEASE)

## The evaluation benchmark of BENCHMARKS.md: the demo's pipeline with DPO beside BFPO (same data, order, steps and
## learning rate), all four models evaluated on the test split in one table.
EVAL_BENCH_RUN ?= runs/eval-bench-$(shell date +%Y%m%d-%H%M%S)

.PHONY: eval-bench
eval-bench: build
	bench/pipeline.sh --model $(DEMO_MODEL) --run $(EVAL_BENCH_RUN) --workers $(DEMO_WORKERS) --bin $(RELEASE) --dpo

## The benchmarks of BENCHMARKS.md: the compute benchmark of the BFPO step (bfpo-bench), then the PyTorch reference
## on the same rows (bench/compare.py) when torch and transformers are importable; a shard server's (bfpo-coordinator
## serve) pull + push of GPT-2 124M's vector beside raw libzmq (bfpo-bench transfer); a step's AdamW update and exact delta per parameter
## (bfpo-bench publish); end-to-end training tokens/s with 1 and 2 workers (bench/end_to_end.sh). Options for the compute rows go in BENCH_FLAGS, e.g. BENCH_FLAGS='--configs small --threads 1'.
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
	$(RELEASE)/bfpo-bench publish
	bench/end_to_end.sh --bin $(RELEASE)

## Regenerate the committed protobuf-c code from proto/: the wire protocol (bfpo.proto) and the TensorBoard events
## the coordinator writes (tensorboard.proto), with protoc-c from protobuf-c-compiler; the headers go to include/.
## Tests/SharedTests/Wire/GeneratedCodeTests.swift runs the same protoc-c command for each file and fails when the
## committed files differ. PROTO_C_DIR=/tmp/x writes elsewhere.
PROTO_C_DIR ?= Sources/CBFPOWire
PROTOS := bfpo tensorboard

.PHONY: proto
proto:
	@mkdir -p $(PROTO_C_DIR)/include
	for name in $(PROTOS); do \
		protoc-c --proto_path=proto --c_out=$(PROTO_C_DIR) proto/$$name.proto && \
		mv $(PROTO_C_DIR)/$$name.pb-c.h $(PROTO_C_DIR)/include/$$name.pb-c.h || exit 1; \
	done
