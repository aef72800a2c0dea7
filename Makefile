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
