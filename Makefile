# video-tracker: `make serve` runs the service, `make test` runs every test.
# Both install whatever Debian packages are missing first (apt-get update once, then only the
# missing ones), so they work on a fresh Debian 12 machine with Swift.

SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8080
# Extra flags for `serve`, e.g. SERVE_FLAGS=--allow-private-networks to track local videos.
SERVE_FLAGS ?=

APT_PACKAGES := pkg-config libopencv-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev \
                libcurl4-openssl-dev ffmpeg curl python3 python3-pip python3-venv tmux

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN = .build/release/video-tracker
DEBUG_BIN = .build/debug/video-tracker
# The Python tests' own venv (git-ignored): Debian's system Python refuses pip installs (PEP 668).
TEST_VENV := .venv-test
# The groups `make test` runs, each even when another failed.
TEST_GROUPS := test-swift test-deploy test-fuzz leakcheck
# What `make test` builds first (Deploy/tests/test_make_test.py empties it to check the group runner alone).
TEST_BUILD ?= build-debug

.PHONY: deps build build-debug serve test test-swift test-deploy test-fuzz leakcheck fuzz bench clean
FUZZ_SECONDS ?= 300
# e.g. BENCH_FLAGS=--quick to check the harness in a minute.
BENCH_FLAGS ?=

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift toolchain (swift.org) first"; exit 1; }

build: deps
	swift build -c release --product video-tracker

build-debug: deps
	swift build --build-tests

serve: build
	@echo
	@echo "video-tracker on http://$(HOST):$(PORT)  (POST /run, GET /healthz, GET /metrics)"
	@echo "try:"
	@echo "  curl -s http://$(HOST):$(PORT)/run -H 'Content-Type: application/json' -d '{\"item_stream_url\": \"https://example.com/video.mp4\", \"bbs\": {\"a1\": [{\"x\": 205, \"y\": 151}, {\"x\": 222, \"y\": 201}]}, \"start_frame\": 0, \"frame_duration\": 30}'"
	@echo "local videos need SERVE_FLAGS=--allow-private-networks (see README)"
	@echo
	exec $(RELEASE_BIN) serve --host $(HOST) --port $(PORT) $(SERVE_FLAGS)

# Every group runs even when one fails; the last line counts them, and the exit status is
# non-zero when any failed.
test: $(TEST_BUILD)
	@failed=(); passed=0; \
	for group in $(TEST_GROUPS); do \
	  echo; echo "=== $$group"; \
	  if $(MAKE) --no-print-directory $$group; then passed=$$((passed + 1)); else failed+=($$group); fi; \
	done; \
	echo; \
	if [ $${#failed[@]} -gt 0 ]; then echo "failed groups: $${failed[*]}"; fi; \
	echo "$$passed passed, $${#failed[@]} failed"; \
	[ $${#failed[@]} -eq 0 ]

test-swift:
	VIDEO_TRACKER_BIN=$(DEBUG_BIN) swift test

$(TEST_VENV)/installed: Deploy/tests/requirements.txt
	@[ -x $(TEST_VENV)/bin/python ] || python3 -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/python -m pip install -q --disable-pip-version-check -r Deploy/tests/requirements.txt
	@touch $@

test-deploy: $(TEST_VENV)/installed
	VIDEO_TRACKER_BIN=$(DEBUG_BIN) $(TEST_VENV)/bin/python -m pytest -q -p no:cacheprovider Deploy/tests

# The request fuzzer: its corpus replayed by the normal build, then 60 s of libFuzzer
# (an ASan build in .build-fuzz; Fuzz/README.md).
test-fuzz:
	swift build --product RequestFuzzer
	.build/debug/RequestFuzzer Fuzz/corpus
	Fuzz/run.sh 60

fuzz: deps
	Fuzz/run.sh $(FUZZ_SECONDS)

# Side by side with the Python original and the decode floor (bench/; minutes; writes bench/results/).
bench: build
	bench/run.sh $(BENCH_FLAGS)

# The C shim's create/init/update/destroy cycle for every tracker under LeakSanitizer (gcc's).
LEAK_DIR := .build/leakcheck
leakcheck: deps
	@mkdir -p $(LEAK_DIR)
	gcc -c -O1 -g -fsanitize=address -fno-omit-frame-pointer -I Sources/CVideoTracker/include \
	  Tests/ShimLeakCheck/shim_cycle.c -o $(LEAK_DIR)/shim_cycle.o
	g++ -c -std=c++17 -O1 -g -fsanitize=address -fno-omit-frame-pointer -I Sources/CVideoTracker/include \
	  $$(pkg-config --cflags-only-I opencv4) Sources/CVideoTracker/opencv_tracker.cpp -o $(LEAK_DIR)/opencv_tracker.o
	g++ -fsanitize=address $(LEAK_DIR)/shim_cycle.o $(LEAK_DIR)/opencv_tracker.o -o $(LEAK_DIR)/shim_cycle \
	  -lopencv_core -lopencv_imgproc -lopencv_video -lopencv_tracking
	ASAN_OPTIONS=detect_leaks=1 $(LEAK_DIR)/shim_cycle

clean:
	rm -rf .build .build-fuzz $(TEST_VENV)
