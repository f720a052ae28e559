# seedrl: the two commands a fresh Debian 12 machine needs are `make demo` and `make test`;
# each installs the system packages it is missing first (see scripts/install-deps.sh).
SWIFT ?= swift
export PATH := $(PATH):/opt/swift/usr/bin

.PHONY: demo test test-sanitizers test-asan test-tsan build release deps protos bench bench-serving bench-train clean

demo: release
	.build/release/seedrl train --env cartpole --logdir runs/cartpole
	.build/release/seedrl eval --checkpoint runs/cartpole --env cartpole --episodes 20 --greedy

# The serving benchmark on an embedded server (what `make demo` ran before training existed).
bench-serving: release
	.build/release/seedrl bench --streams 1,16,64,256 --seconds 3

test:
	scripts/install-deps.sh test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing
	scripts/generate-command-reference.sh --check
	scripts/test-python-actor.sh
	scripts/test-gym-train.sh
	scripts/test-python-wheel.sh
	scripts/test-hostile-clients.sh
	scripts/test-prometheus.sh
	scripts/test-health-reflection.sh
	scripts/test-conformance.sh
	scripts/test-onnx.sh
	scripts/test-tensorboard.sh
	scripts/test-netns.sh
	scripts/fault-kill-actors.sh 5
	scripts/fault-disk-full.sh
	scripts/test-mpi.sh
	scripts/test-mpi-netns.sh
	scripts/test-slurm.sh

# The test suite under AddressSanitizer (with LeakSanitizer) and ThreadSanitizer, each in
# its own build folder. The gRPC core, protobuf-c and OpenBLAS are not instrumented; Wire
# makes the completion-queue hand-over visible to TSan with an atomic release/acquire.
test-sanitizers: test-asan test-tsan

test-asan:
	scripts/install-deps.sh test
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan --disable-swift-testing

test-tsan:
	scripts/install-deps.sh test
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --disable-swift-testing

build:
	scripts/install-deps.sh build
	$(SWIFT) build

release:
	scripts/install-deps.sh build
	$(SWIFT) build -c release

# The comparison in BENCHMARKS.md: seedrl beside the reference echo server (../shared/tools).
bench: release
	scripts/install-deps.sh bench
	scripts/bench-vs-echo.sh

bench-train: release
	scripts/bench-train.sh 1 2 3 4 5

protos:
	scripts/generate-protos.sh

clean:
	rm -rf .build
