# Socklab.cmake — the few helpers every part of the build uses.

# Warnings for our own targets; errors too when SOCKLAB_WERROR is on (CI).
function(socklab_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 /utf-8 $<$<BOOL:${SOCKLAB_WERROR}>:/WX>)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                             $<$<BOOL:${SOCKLAB_WERROR}>:-Werror>)
  endif()
endfunction()

# fmt: the system package (Debian libfmt-dev, Homebrew fmt, vcpkg). A cross
# build may set SOCKLAB_FMT_HEADER_ONLY to use fmt's headers without its library.
option(SOCKLAB_FMT_HEADER_ONLY "Use fmt in header-only mode (cross builds)" OFF)
set(SOCKLAB_FMT_INCLUDE_DIR "" CACHE PATH "Where fmt/core.h lives (header-only mode)")
macro(socklab_find_fmt)
  if(SOCKLAB_FMT_HEADER_ONLY)
    add_library(socklab_fmt INTERFACE)
    target_compile_definitions(socklab_fmt INTERFACE FMT_HEADER_ONLY=1)
    if(SOCKLAB_FMT_INCLUDE_DIR)
      target_include_directories(socklab_fmt SYSTEM INTERFACE ${SOCKLAB_FMT_INCLUDE_DIR})
    endif()
    add_library(fmt::fmt ALIAS socklab_fmt)
  else()
    find_package(fmt REQUIRED)
  endif()
endmacro()

# GoogleTest: the installed package, or (cross builds) its sources built here.
set(SOCKLAB_GTEST_SOURCE_DIR "" CACHE PATH "Build GoogleTest from these sources (cross builds)")
macro(socklab_find_gtest)
  if(SOCKLAB_GTEST_SOURCE_DIR)
    set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
    set(BUILD_GMOCK ON CACHE BOOL "" FORCE)
    add_subdirectory(${SOCKLAB_GTEST_SOURCE_DIR} ${PROJECT_BINARY_DIR}/googletest EXCLUDE_FROM_ALL)
    if(NOT TARGET GTest::gtest)
      add_library(GTest::gtest ALIAS gtest)
      add_library(GTest::gtest_main ALIAS gtest_main)
    endif()
  else()
    find_package(GTest REQUIRED)
  endif()
endmacro()

# socklab_add_program(<target> <sources>...): a program built on the layer.
function(socklab_add_program target)
  add_executable(${target} ${ARGN})
  target_link_libraries(${target} PRIVATE socklab::socklab)
  socklab_warnings(${target})
  socklab_register_program(${target})
endfunction()

# socklab_add_test(<target> LABELS <labels> SOURCES <files> [NEEDS <programs>] [COST <s>])
# A GoogleTest executable; every TEST becomes one ctest test carrying LABELS.
# COST: about how many seconds each of its tests takes, for the executables whose
# tests are slow. `ctest -j` starts the costliest first while it has no timings of
# its own (a fresh build tree, as in CI; later it uses Testing/Temporary/CTestCostData.txt),
# so that a long test does not start last and run alone on one core.
# ONE_PROCESS: GoogleTest suites whose tests run in one process, as one ctest test
# named after the suite, because their fixture builds something costly once
# (SetUpTestSuite) that every test then uses: lesson 12's network of namespaces, built
# once instead of once per step. Such a suite skips all or nothing (its fixture's
# SetUp). scripts/junit.awk reports each of its tests on a line of its own; where the
# output is cut, the first failed step, named again last, is the one reported
# (tests/support/narrate.hpp, last_step).
# Needs CMake 3.22 (TEST_FILTER); older: one process per test, as the others.
function(socklab_add_test target)
  cmake_parse_arguments(T "" "COST" "LABELS;SOURCES;NEEDS;ONE_PROCESS" ${ARGN})
  add_executable(${target} ${T_SOURCES})
  target_link_libraries(${target} PRIVATE socklab::socklab socklab_test_support
                                          GTest::gtest GTest::gtest_main)
  socklab_warnings(${target})
  if(T_NEEDS)
    add_dependencies(${target} ${T_NEEDS})  # the end-to-end tests run these binaries
  endif()
  set(cost)
  if(T_COST)
    set(cost COST ${T_COST})
  endif()
  set(filter)
  if(T_ONE_PROCESS AND CMAKE_VERSION VERSION_GREATER_EQUAL 3.22)
    list(TRANSFORM T_ONE_PROCESS APPEND ".*" OUTPUT_VARIABLE suites)
    list(JOIN suites ":" suites)
    set(filter TEST_FILTER "-${suites}")
    foreach(suite IN LISTS T_ONE_PROCESS)
      add_test(NAME ${suite} COMMAND ${target} --gtest_filter=${suite}.*)
      # Several tests' bounded waits in one process: a program that hangs in every
      # step (each waits for it up to 20 s) still ends as failed steps, not a timeout.
      set_tests_properties(${suite} PROPERTIES LABELS "${T_LABELS}" TIMEOUT 240 ${cost}
                           SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
    endforeach()
  endif()
  gtest_discover_tests(${target} ${filter}
    PROPERTIES LABELS "${T_LABELS}" TIMEOUT 60 ${cost}
    DISCOVERY_TIMEOUT 120)
endfunction()

# socklab_add_lesson(<NN> <slug> PROGRAMS <names> TESTS <files> [NEEDS <programs>] [COST <s>]
#                    [ONE_PROCESS <suites>])
# Registers lesson NN: each program lessons/NN_slug/<name>.cpp, and one test
# executable lessonNN_test labelled "lessonNN" (make check-NN runs it); COST and
# ONE_PROCESS as for socklab_add_test.
function(socklab_add_lesson number slug)
  cmake_parse_arguments(L "" "COST" "PROGRAMS;TESTS;NEEDS;ONE_PROCESS" ${ARGN})
  foreach(program IN LISTS L_PROGRAMS)
    socklab_add_program(${program} ${PROJECT_SOURCE_DIR}/lessons/${number}_${slug}/${program}.cpp)
  endforeach()
  if(SOCKLAB_BUILD_TESTS AND L_TESTS)
    list(TRANSFORM L_TESTS PREPEND ${PROJECT_SOURCE_DIR}/)
    set(cost)
    if(L_COST)
      set(cost COST ${L_COST})
    endif()
    socklab_add_test(lesson${number}_test LABELS lesson${number} SOURCES ${L_TESTS}
                     NEEDS ${L_PROGRAMS} ${L_NEEDS} ${cost} ONE_PROCESS ${L_ONE_PROCESS})
    # A network of its own, and a capture kept when a test fails (tests/support/flight_recorder.hpp).
    target_link_libraries(lesson${number}_test PRIVATE socklab_flight_recorder)
  endif()
endfunction()

# --- reliability gates (docs/reliability.md) ---------------------------------
# SOCKLAB_SANITIZE: sanitizers for every target of this build directory, e.g.
# "address;undefined" (make test-asan) or "thread" (make test-tsan). Any report
# stops the program (-fno-sanitize-recover=all), so a test cannot pass over it.
set(SOCKLAB_SANITIZE "" CACHE STRING "Sanitizers for every target: address;undefined or thread")
# SOCKLAB_FUZZ: build the libFuzzer targets (clang; make fuzz). The whole build
# gets coverage instrumentation and ASan+UBSan, so the fuzzer sees into the layer.
option(SOCKLAB_FUZZ "Build the libFuzzer targets in tests/fuzz (needs clang)" OFF)
if(SOCKLAB_SANITIZE AND NOT MSVC)
  list(JOIN SOCKLAB_SANITIZE "," _socklab_sanitizers)
  add_compile_options(-fsanitize=${_socklab_sanitizers} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${_socklab_sanitizers})
  # UBSan's vptr check reads the vtable through the sanitizer runtime's
  # IsAccessibleMemoryRange(), which probes memory by write()ing it into a pipe():
  # in a program at its descriptor limit (the EMFILE tests) pipe() fails, and the
  # check reports "object has invalid vptr" for every virtual call. Off, so that the
  # EMFILE tests test the server, not the sanitizer; ASan still checks every access.
  if("undefined" IN_LIST SOCKLAB_SANITIZE)
    add_compile_options(-fno-sanitize=vptr)
    add_link_options(-fno-sanitize=vptr)
  endif()
endif()
if(SOCKLAB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SOCKLAB_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# Every program of the kit, so that a test can depend on all of them (the
# hostile-client suite runs against whichever servers its table names).
function(socklab_register_program target)
  set_property(GLOBAL APPEND PROPERTY SOCKLAB_PROGRAMS ${target})
endfunction()
function(_socklab_depend_on_programs target)
  get_property(programs GLOBAL PROPERTY SOCKLAB_PROGRAMS)
  if(programs)
    add_dependencies(${target} ${programs})
  endif()
endfunction()
# socklab_needs_all_programs(<target>): <target> depends on every program,
# including those registered later in the top-level CMakeLists.txt.
function(socklab_needs_all_programs target)
  # A deferred call expands variables when it runs: put the name in now.
  cmake_language(EVAL CODE "cmake_language(DEFER DIRECTORY [[${PROJECT_SOURCE_DIR}]]
                                           CALL _socklab_depend_on_programs [[${target}]])")
endfunction()

# socklab_add_fuzz_target(<name> [LIBRARIES <libs>]): the fuzz target
# tests/fuzz/<name>.cpp with its seeds in tests/fuzz/corpus/<name>/, linked with
# the layer and <libs> (e.g. example_http for an example's parser). With
# SOCKLAB_FUZZ it builds fuzz_<name> (libFuzzer); with tests on,
# fuzz_replay_<name> (label "fuzz") runs the corpus.
function(socklab_add_fuzz_target name)
  cmake_parse_arguments(F "" "" "LIBRARIES" ${ARGN})
  set(dir ${PROJECT_SOURCE_DIR}/tests/fuzz)
  if(SOCKLAB_FUZZ)
    if(NOT TARGET fuzzers)
      add_custom_target(fuzzers)
    endif()
    add_executable(fuzz_${name} ${dir}/${name}.cpp)
    # socklab::fault: three targets drive the fault-injection hook (SOCKLAB_FAULTS).
    target_link_libraries(fuzz_${name} PRIVATE socklab::socklab socklab::fault ${F_LIBRARIES})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    socklab_warnings(fuzz_${name})
    add_dependencies(fuzzers fuzz_${name})
  endif()
  if(SOCKLAB_BUILD_TESTS)
    socklab_add_test(fuzz_replay_${name} LABELS fuzz
                     SOURCES ${dir}/${name}.cpp ${dir}/replay_test.cpp)
    target_compile_definitions(fuzz_replay_${name} PRIVATE
                               SOCKLAB_FUZZ_CORPUS="${dir}/corpus/${name}" SOCKLAB_FUZZ_NAME=${name})
    if(F_LIBRARIES)
      target_link_libraries(fuzz_replay_${name} PRIVATE ${F_LIBRARIES})
    endif()
  endif()
endfunction()

# socklab_add_example(<name> PROGRAMS <names> [LIBRARY <sources>] TESTS <files> [NEEDS <programs>])
# Registers examples/<name>/: each program examples/<name>/<program>.cpp; the
# LIBRARY sources (the example's pure parts: parsers, checksums) become a static
# library example_<name> that its programs, its tests and fuzz targets link; one
# test executable example_<name>_test labelled "example_<name>" (ctest -L is a
# regular expression: `ctest -L ^example_` selects every example; a second label
# would not survive gtest_discover_tests, which splits a list of labels).
function(socklab_add_example name)
  cmake_parse_arguments(E "" "" "PROGRAMS;LIBRARY;TESTS;NEEDS" ${ARGN})
  set(dir ${PROJECT_SOURCE_DIR}/examples/${name})
  if(E_LIBRARY)
    list(TRANSFORM E_LIBRARY PREPEND ${dir}/)
    add_library(example_${name} STATIC ${E_LIBRARY})
    target_include_directories(example_${name} PUBLIC ${dir})
    target_link_libraries(example_${name} PUBLIC socklab::socklab)
    socklab_warnings(example_${name})
  endif()
  foreach(program IN LISTS E_PROGRAMS)
    socklab_add_program(${program} ${dir}/${program}.cpp)
    if(E_LIBRARY)
      target_link_libraries(${program} PRIVATE example_${name})
    endif()
  endforeach()
  if(SOCKLAB_BUILD_TESTS AND E_TESTS)
    list(TRANSFORM E_TESTS PREPEND ${PROJECT_SOURCE_DIR}/)
    socklab_add_test(example_${name}_test LABELS example_${name} SOURCES ${E_TESTS}
                     NEEDS ${E_PROGRAMS} ${E_NEEDS})
    target_include_directories(example_${name}_test PRIVATE ${dir})
    target_link_libraries(example_${name}_test PRIVATE socklab_flight_recorder)
    if(E_LIBRARY)
      target_link_libraries(example_${name}_test PRIVATE example_${name})
    endif()
  endif()
endfunction()
