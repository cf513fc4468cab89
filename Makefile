# socklab — the front door. The real build is CMake; these targets install what
# is missing, configure, build and run. `make help` lists them.
#
#   make run     the demo: lesson 01's server and lesson 02's client, talking
#   make test    build everything and run the whole test suite (ctest)

BUILD    ?= build
JOBS     ?= $(shell nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)
# CI builds treat warnings as errors; students get warnings only.
WERROR   ?= $(if $(CI),ON,OFF)
CMAKE_ARGS ?=
CTEST_ARGS ?=

.PHONY: help deps configure build run test progress check-% clean format test-windows \
        student-edition check-student-edition new-lesson bench check-examples

help:
	@echo "socklab targets:"
	@echo "  make run        build, then run the demo (echo server + client)"
	@echo "  make test       build, then run all tests (ctest -j$(JOBS))"
	@echo "  make test-windows  cross-build for Windows (mingw-w64), run all tests under Wine"
	@echo "  make check-NN   run lesson NN's tests, e.g. make check-01"
	@echo "  make check-examples  run the examples' tests (chat, http, file transfer, loadgen)"
	@echo "  make bench      benchmark the echo servers (installs libasio-dev; BENCH_ARGS=--smoke)"
	@echo "  make progress   which lessons pass, which step fails"
	@echo "  make deps       install missing packages (cmake, g++, libgtest-dev, libfmt-dev)"
	@echo "  make format     clang-format every source file"
	@echo "  make clean      remove $(BUILD)/"
	@echo "instructors (docs/instructors.md):"
	@echo "  make student-edition OUT=DIR   the student tree: solutions replaced by TODOs"
	@echo "  make check-student-edition     prove every marked lesson fails without its solution"
	@echo "  make new-lesson NN=11 NAME=my_topic   scaffold a lesson"

deps:
	@sh scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	@$(MAKE) --no-print-directory deps
	cmake -S . -B $(BUILD) -DSOCKLAB_WERROR=$(WERROR) $(CMAKE_ARGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@sh scripts/tour.sh $(BUILD)/bin

test: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure $(CTEST_ARGS)

# Windows: cross-build with mingw-w64 in build-windows/ and run ctest under Wine.
test-windows:
	JOBS=$(JOBS) WERROR=$(WERROR) CTEST_ARGS="$(CTEST_ARGS)" bash scripts/test-windows.sh build-windows

check-%: build
	cd $(BUILD) && ctest -L 'lesson$*' --output-on-failure -V $(CTEST_ARGS)

check-examples: build
	cd $(BUILD) && ctest -L '^example_' --output-on-failure $(CTEST_ARGS)

# The benchmark (bench/run.sh, docs/performance.md). Asio is needed only here:
# install it, re-run CMake so that it finds asio.hpp, build the servers, run.
BENCH_ARGS ?=
bench: configure
	@sh scripts/install-deps.sh libasio-dev
	cmake -S . -B $(BUILD) >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target bench_programs
	@sh bench/run.sh $(BUILD)/bin $(BENCH_ARGS)

# Builds what compiles itself, so one lesson's compile error does not hide the others.
progress: configure
	@JOBS=$(JOBS) sh scripts/progress.sh $(BUILD)

# --- instructors' tools (not in the student edition) ---
OUT ?= student-edition
INSTRUCTOR_TOOL = @[ -f scripts/$(1) ] || { echo "make $@: an instructors' tool, not part of the student edition"; exit 1; }

student-edition: configure
	$(call INSTRUCTOR_TOOL,student-edition.sh)
	cmake --build $(BUILD) -j $(JOBS) --target student_edition
	@sh scripts/student-edition.sh $(BUILD)/bin/student_edition $(OUT)

check-student-edition: build
	$(call INSTRUCTOR_TOOL,check-student-edition.sh)
	@JOBS=$(JOBS) sh scripts/check-student-edition.sh $(BUILD)

new-lesson:
	$(call INSTRUCTOR_TOOL,new-lesson.sh)
	@sh scripts/new-lesson.sh $(NN) $(NAME)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) build-windows
