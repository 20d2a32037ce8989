# video-tracker: `make serve` runs the service, `make test` runs every test.
# Both install whatever Debian packages are missing first (apt-get update once, then only the
# missing ones), so they work on a fresh Debian 12 machine with Swift.

SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8080
# Extra flags for `serve`, e.g. SERVE_FLAGS=--allow-private-networks to track local videos.
SERVE_FLAGS ?=
# The neural trackers' models (NanoTrack, YOLOX-Nano): the shared test data's in development.
MODELS ?= ../shared/testdata/models

APT_PACKAGES := pkg-config libopencv-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev \
                libcurl4-openssl-dev ffmpeg curl python3 python3-pip python3-venv tmux chromium \
                postgresql

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN = .build/release/video-tracker
DEBUG_BIN = .build/debug/video-tracker
# The Python tests' own venv (git-ignored): Debian's system Python refuses pip installs (PEP 668).
TEST_VENV := .venv-test
# The groups `make test` runs, each even when another failed.
TEST_GROUPS := test-swift test-deploy test-fuzz leakcheck
# What `make test` builds first (Deploy/tests/test_make_test.py empties it to check the group runner alone).
TEST_BUILD ?= build-debug

.PHONY: deps apt-deps openvino build build-debug serve test test-swift test-deploy test-fuzz leakcheck fuzz bench clean
FUZZ_SECONDS ?= 300
# e.g. BENCH_FLAGS=--quick to check the harness in a minute.
BENCH_FLAGS ?=

# OpenVINO's C API from its PyPI wheel (Debian has no OpenVINO): fetched once, checked against its
# sha256, and only the headers and the libraries the CPU needs unpacked into .deps/openvino
# (git-ignored). The binary finds them through its rpath; nothing goes into the system.
OPENVINO_VERSION := 2026.4.1
OPENVINO_WHEEL := openvino-2026.4.1-22982-cp311-cp311-manylinux_2_28_x86_64.whl
OPENVINO_SHA256 := 2d22b1da03f7caf74df30e9f6417d0ab2f637e4a38e08e1dcd294d2c37407aaf
OPENVINO_DIR := .deps/openvino
OPENVINO_LIBS := libopenvino_c.so.2641 libopenvino.so.2641 libopenvino_intel_cpu_plugin.so \
                 libopenvino_onnx_frontend.so.2641 libopenvino_ir_frontend.so.2641 \
                 libtbb.so.12 libtbbmalloc.so.2 libtbbbind_2_5.so.3 libhwloc.so.15

deps: apt-deps openvino

openvino: $(OPENVINO_DIR)/.unpacked

$(OPENVINO_DIR)/.unpacked:
	@mkdir -p .deps/download
	@[ -f .deps/download/$(OPENVINO_WHEEL) ] || python3 -m pip download -q --disable-pip-version-check --no-deps \
	  --only-binary=:all: --platform manylinux_2_28_x86_64 --python-version 3.11 \
	  -d .deps/download openvino==$(OPENVINO_VERSION)
	echo "$(OPENVINO_SHA256)  .deps/download/$(OPENVINO_WHEEL)" | sha256sum -c --quiet
	rm -rf $(OPENVINO_DIR) && mkdir -p $(OPENVINO_DIR)
	python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
	  names = [n for n in z.namelist() if n.startswith("openvino/include/") or n.split("/")[-1] in sys.argv[3:] and n.startswith("openvino/libs/")]; \
	  z.extractall(sys.argv[2], names)' .deps/download/$(OPENVINO_WHEEL) .deps $(OPENVINO_LIBS)
	ln -sf libopenvino_c.so.2641 $(OPENVINO_DIR)/libs/libopenvino_c.so
	touch $@

apt-deps:
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
	@echo "video-tracker on http://$(HOST):$(PORT)  (POST /run, detection jobs at /jobs, cameras at /cameras, GET /healthz, GET /metrics)"
	@echo "video detection in the browser: http://$(HOST):$(PORT)/  (jobs, cameras and track records kept in ./video-tracker-data, SQLite)"
	@echo "try:"
	@echo "  curl -s http://$(HOST):$(PORT)/run -H 'Content-Type: application/json' -d '{\"item_stream_url\": \"https://example.com/video.mp4\", \"bbs\": {\"a1\": [{\"x\": 205, \"y\": 151}, {\"x\": 222, \"y\": 201}]}, \"start_frame\": 0, \"frame_duration\": 30}'"
	@echo "local videos need SERVE_FLAGS=--allow-private-networks (see README)"
	@echo
	@[ -d "$(MODELS)" ] || echo "no models folder at $(MODELS): OpenCV trackers only (make serve MODELS=DIR)"
	exec $(RELEASE_BIN) serve --host $(HOST) --port $(PORT) $(if $(wildcard $(MODELS)),--models $(MODELS)) $(SERVE_FLAGS)

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

# The Swift tests check OpenVINO against ONNX Runtime run by this venv's Python (Tests/requirements.txt).
test-swift: $(TEST_VENV)/installed
	VIDEO_TRACKER_BIN=$(DEBUG_BIN) VIDEO_TRACKER_PYTHON=$(TEST_VENV)/bin/python swift test

$(TEST_VENV)/installed: Deploy/tests/requirements.txt Tests/requirements.txt
	@[ -x $(TEST_VENV)/bin/python ] || python3 -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/python -m pip install -q --disable-pip-version-check \
	  -r Deploy/tests/requirements.txt -r Tests/requirements.txt
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

# The C shim's create/init/update/destroy cycle for every tracker, and its drawing, under LeakSanitizer (gcc's).
LEAK_DIR := .build/leakcheck
leakcheck: deps
	@mkdir -p $(LEAK_DIR)
	gcc -c -O1 -g -fsanitize=address -fno-omit-frame-pointer -I Sources/CVideoTracker/include \
	  Tests/ShimLeakCheck/shim_cycle.c -o $(LEAK_DIR)/shim_cycle.o
	g++ -c -std=c++17 -O1 -g -fsanitize=address -fno-omit-frame-pointer -I Sources/CVideoTracker/include \
	  $$(pkg-config --cflags-only-I opencv4) Sources/CVideoTracker/opencv_tracker.cpp -o $(LEAK_DIR)/opencv_tracker.o
	g++ -c -std=c++17 -O1 -g -fsanitize=address -fno-omit-frame-pointer -I Sources/CVideoTracker/include \
	  $$(pkg-config --cflags-only-I opencv4) Sources/CVideoTracker/drawing.cpp -o $(LEAK_DIR)/drawing.o
	g++ -fsanitize=address $(LEAK_DIR)/shim_cycle.o $(LEAK_DIR)/opencv_tracker.o $(LEAK_DIR)/drawing.o -o $(LEAK_DIR)/shim_cycle \
	  -lopencv_core -lopencv_imgproc -lopencv_video -lopencv_tracking
	ASAN_OPTIONS=detect_leaks=1 $(LEAK_DIR)/shim_cycle

clean:
	rm -rf .build .build-fuzz $(TEST_VENV)
