# socklab — the front door. The real build is CMake; these targets install what
# is missing, configure, build and run. `make help` lists them.
#
#   make run     the tour: each lesson's programs run and explained (scripts/tour.sh;
#                SOCKLAB_LANG=zh-CN or a zh locale: explained in Chinese)
#   make test    build everything and run the whole test suite (ctest)

BUILD    ?= build
JOBS     ?= $(shell nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)
# make test runs twice as many tests as there are cores: most of a test's time is
# waiting (for a server it started, a timer, the network), so one per core leaves
# the cores idle. On 2 cores: ctest -j2 41 s, -j4 29 s (the whole suite, quiet machine).
TEST_JOBS ?= $(shell echo $$(( $(JOBS) * 2 )))
# CI builds treat warnings as errors; students get warnings only.
WERROR   ?= $(if $(CI),ON,OFF)
CMAKE_ARGS ?=
CTEST_ARGS ?=

.PHONY: help deps deps-tshark configure build run test progress doctor check-% clean format test-windows \
        student-edition check-student-edition check-exercises grade new-lesson bench check-examples pictures \
        test-asan test-tsan test-valgrind test-faults fuzz test-as-user doctor test-grade

help:
	@echo "socklab targets:"
	@echo "  make run        build, then run the tour: every lesson's programs, explained"
	@echo "                  (SOCKLAB_LANG=zh-CN make run: explained in Chinese)"
	@echo "  make test       build, then run all tests (ctest -j$(TEST_JOBS))"
	@echo "  make test-windows  cross-build for Windows (mingw-w64), run all tests under Wine"
	@echo "  make check-NN   run lesson NN's tests, e.g. make check-01 (or check-1)"
	@echo "  make check-examples  run the examples' tests (chat, http, file transfer, loadgen)"
	@echo "  make bench      benchmark the echo servers (installs libasio-dev; BENCH_ARGS=--smoke)"
	@echo "  make progress   which lessons pass, which step fails"
	@echo "  make doctor     what this machine allows (namespaces, TUN, capture, limits, tools)"
	@echo "                  and the fix for each thing it does not; needs no build"
	@echo "  make pictures   redraw the docs' ladder SVGs from real runs (root; docs/captures.md)"
	@echo "  make deps       install missing packages (cmake, g++, libgtest-dev, libfmt-dev,"
	@echo "                  and the tests' tools: iproute2, procps, curl, netcat-openbsd, strace)"
	@echo "  make deps-tshark   also tshark (~120 MB), so lesson 03's pcap is checked by Wireshark"
	@echo "  make format     clang-format every source file"
	@echo "  make test-asan  the suite built with AddressSanitizer + UBSan (build-asan/)"
	@echo "  make test-tsan  the suite built with ThreadSanitizer (build-tsan/)"
	@echo "  make test-valgrind  the suite with every lesson program run under valgrind"
	@echo "  make test-as-user   (root) lessons 03, 04, 12, 13 as an ordinary user, as students run them"
	@echo "  make test-faults    fault/hostile tests with SOCKLAB_FAULTS=short (1-byte send/recv)"
	@echo "  make test-grade     the grader's own test (a fake course graded in its sandbox; not in make test)"
	@echo "  make fuzz SECONDS=N run each libFuzzer target N seconds (build-fuzz/)"
	@echo "  make clean      remove $(BUILD)/"
	@echo "instructors (docs/instructors.md):"
	@echo "  make student-edition OUT=DIR   the student tree: solutions replaced by TODOs"
	@echo "  make check-student-edition     prove every marked lesson fails without its solution"
	@echo "  make check-exercises [LESSONS=\"01 06\"]  each exercise undone alone fails a test naming its step"
	@echo "  make grade SUBMISSIONS=DIR OUT=DIR [LESSONS=\"01 02\"] [POINTS=FILE] [HIDDEN=DIR]"
	@echo "                  grade a class with the instructor's tests, in a sandbox (docs/grading.md)"
	@echo "  make new-lesson NN=12 NAME=my_topic   scaffold a lesson"

deps:
	@sh scripts/install-deps.sh

# Optional: lesson 03's test reads its pcap file back with tshark when it is installed
# (skips, with this command, when not). Big for a student's laptop, so not in `deps`.
deps-tshark:
	@sh scripts/install-deps.sh tshark

$(BUILD)/CMakeCache.txt:
	@$(MAKE) --no-print-directory deps
	cmake -S . -B $(BUILD) -DSOCKLAB_WERROR=$(WERROR) $(CMAKE_ARGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@sh scripts/tour.sh $(BUILD)/bin

# The grader's own test (label grade: a fake course graded in the sandbox, ~20 s of one
# core) is not part of make test, which a student runs often; make test-grade runs it
# (CI does, as its own step).
test: build
	cd $(BUILD) && ctest -j $(TEST_JOBS) --output-on-failure -LE '^grade$$' $(CTEST_ARGS)

test-grade: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure -L '^grade$$' $(CTEST_ARGS)

# Windows: cross-build with mingw-w64 in build-windows/ and run ctest under Wine.
test-windows:
	JOBS=$(JOBS) WERROR=$(WERROR) CTEST_ARGS="$(CTEST_ARGS)" bash scripts/test-windows.sh build-windows

# check-1 and check-01 alike; builds only what lesson NN's tests need; the label
# is anchored (check-1 must not run lesson 10's tests) and no test run is a failure.
# CI is root, students are not: the lab lessons again as the user socklab-student.
test-as-user: build
	bash scripts/test-as-user.sh $(BUILD)

check-%: configure
	@JOBS=$(JOBS) sh scripts/check-lesson.sh $(BUILD) $*

# The examples and the benchmark are handed out after the lessons (docs/instructors.md).
HANDED_OUT_LATER = @[ -d $(1) ] || { echo "make $@: not part of the student edition (the $(1) come after the lessons)"; exit 1; }

check-examples: build
	$(call HANDED_OUT_LATER,examples)
	cd $(BUILD) && ctest -L '^example_' --output-on-failure $(CTEST_ARGS)

# The benchmark (bench/run.sh, docs/performance.md). Asio is needed only here:
# install it, re-run CMake so that it finds asio.hpp, build the servers, run.
BENCH_ARGS ?=
bench: configure
	$(call HANDED_OUT_LATER,bench)
	@sh scripts/install-deps.sh libasio-dev
	cmake -S . -B $(BUILD) >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target bench_programs
	@sh bench/run.sh $(BUILD)/bin $(BENCH_ARGS)

# The docs' ladder pictures (docs/pictures/*.svg), drawn from real captures by the
# ladder renderer (handshake --svg, tools/ladder): loopback, and lesson 13's own
# network namespace. Needs root for the captures and the namespace.
pictures: build
	sh scripts/pictures.sh $(BUILD)

# What this machine allows and what each thing enables, with the fix for each "no"
# (docs/fresh-machine.md). No dependency on the build: a broken build is when it helps.
doctor:
	@BUILD=$(BUILD) sh scripts/doctor.sh

# Builds what compiles itself, so one lesson's compile error does not hide the others.
progress: configure
	@JOBS=$(JOBS) sh scripts/progress.sh $(BUILD)

# --- instructors' tools (not in the student edition) ---
OUT ?= student-edition
INSTRUCTOR_TOOL = @[ -f $(1) ] || { echo "make $@: an instructors' tool, not part of the student edition"; exit 1; }

student-edition: configure
	$(call INSTRUCTOR_TOOL,scripts/student-edition.sh)
	cmake --build $(BUILD) -j $(JOBS) --target student_edition
	@sh scripts/student-edition.sh $(BUILD)/bin/student_edition $(OUT)

check-student-edition: build
	$(call INSTRUCTOR_TOOL,scripts/check-student-edition.sh)
	@JOBS=$(JOBS) sh scripts/check-student-edition.sh $(BUILD)

# Per exercise: each SOLUTION block undone alone must fail a test naming its step.
check-exercises: build
	$(call INSTRUCTOR_TOOL,scripts/check-exercises.sh)
	@JOBS=$(JOBS) sh scripts/check-exercises.sh $(BUILD) $(LESSONS)

# Grades a class (docs/grading.md): each submission's files over a build of this tree
# done once, each lesson in a sandbox, credit per exercise. The snapshot is built with
# this build's compiler and launcher (ccache), in GRADE_CACHE (default /var/tmp).
SUBMISSIONS ?=
POINTS ?=
HIDDEN ?=
GRADE_CMAKE_ARGS ?= $(shell sed -n 's/^\(CMAKE_CXX_COMPILER\(_LAUNCHER\)\{0,1\}\):[A-Z]*=\(..*\)$$/-D\1=\3/p' $(BUILD)/CMakeCache.txt 2>/dev/null)
grade: configure
	$(call INSTRUCTOR_TOOL,tools/grade/grade.sh)
	@[ -n "$(SUBMISSIONS)" ] && [ "$(origin OUT)" != file ] || \
	  { echo "make grade: usage: make grade SUBMISSIONS=DIR OUT=DIR [LESSONS=\"01 02\"] [POINTS=FILE] [HIDDEN=DIR]" >&2; exit 2; }
	@cmake --build $(BUILD) -j $(JOBS) --target student_edition >/dev/null
	@GRADE_JOBS=$(JOBS) GRADE_POINTS="$(POINTS)" GRADE_HIDDEN="$(HIDDEN)" GRADE_CMAKE_ARGS="$(GRADE_CMAKE_ARGS)" \
	  bash tools/grade/grade.sh $(BUILD)/bin/student_edition "$(SUBMISSIONS)" "$(OUT)" $(LESSONS)

new-lesson:
	$(call INSTRUCTOR_TOOL,scripts/new-lesson.sh)
	@sh scripts/new-lesson.sh $(NN) $(NAME)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) build-windows build-asan build-tsan build-fuzz

# --- reliability gates (docs/reliability.md) -----------------------------------
# Each sanitizer has its own build directory: instrumented and plain objects
# must not mix. Any report stops the program (-fno-sanitize-recover=all).
SANITIZER_ENV = ASAN_OPTIONS=detect_stack_use_after_return=1:strict_init_order=1 \
                UBSAN_OPTIONS=print_stacktrace=1 \
                TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

# -O1 -g1, not the plain build's -O2 -g: the sanitizers' manuals ask for -O1 or more
# (speed), and their reports need line tables only (file:line in each frame), not
# full debug info. A test file compiles in 13 s of CPU instead of 35 (g++ 12,
# lesson11_epoll_test.cpp): the ASan build is most of CI's longest step.
SANITIZER_FLAGS = -O1 -g1 -DNDEBUG
build-asan/CMakeCache.txt build-tsan/CMakeCache.txt:
	@$(MAKE) --no-print-directory deps
	cmake -S . -B $(@D) -DSOCKLAB_WERROR=$(WERROR) $(CMAKE_ARGS) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$(SANITIZER_FLAGS)" \
	  -DCMAKE_C_FLAGS_RELWITHDEBINFO="$(SANITIZER_FLAGS)" \
	  -DSOCKLAB_SANITIZE="$(if $(findstring asan,$(@D)),address;undefined,thread)"

test-asan test-tsan: test-%: build-%/CMakeCache.txt
	cmake --build build-$* -j $(JOBS)
	cd build-$* && $(SANITIZER_ENV) ctest -j $(JOBS) --output-on-failure $(CTEST_ARGS)

# valgrind runs the plain build's programs (it needs no instrumentation): every
# program a test starts is prefixed with valgrind; any error fails that program.
VALGRIND_CMD = $(shell command -v valgrind) -q --error-exitcode=99 --exit-on-first-error=yes \
               --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
test-valgrind: build
	@command -v valgrind >/dev/null || sh scripts/install-deps.sh valgrind
	cd $(BUILD) && SOCKLAB_TEST_WRAPPER="$(VALGRIND_CMD)" \
	  ctest -j $(JOBS) --output-on-failure $(CTEST_ARGS)

# The fault, hostile-client and fuzz-replay tests, and every program they start,
# with SOCKLAB_FAULTS (default: 1-byte send()/recv()). Other tests observe single
# recv() calls on purpose; `make test-faults FAULT_LABELS=.` runs them too, to explore.
FAULTS ?= short
FAULT_LABELS ?= faults|hostile|fuzz
test-faults: build
	cd $(BUILD) && SOCKLAB_FAULTS='$(FAULTS)' ctest -j $(JOBS) -L '$(FAULT_LABELS)' \
	  --output-on-failure $(CTEST_ARGS)

# make fuzz SECONDS=N [FUZZ_TARGETS="line_reader cli_parser"]
FUZZ_SECONDS = $(if $(SECONDS),$(SECONDS),60)
fuzz:
	@sh scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)
