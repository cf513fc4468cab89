# junit.awk — reads the JUnit file of a ctest run (ctest --output-junit FILE) and
# prints one line per test:   STATUS <TAB> TEST <TAB> DETAIL <TAB> RUNS <TAB> STEP
#   STATUS  pass, fail, crash (the test program did not finish its run: a signal,
#           an abort or ctest's timeout), skip, notbuilt (its program does not compile)
#   DETAIL  for a test that did not pass: the lesson step the failure points at —
#           "PROGRAM: error: TODO(step N): ..." from a program's error line, else the
#           last step the test narrated ("step 3/6 listen(...): ...", or in Chinese
#           "第 3/6 步 listen(...)：..."). For a skipped
#           test: why (the GTEST_SKIP() message, its first line), never empty.
#   RUNS    the programs the test started (tests/support/programs.cpp narrates
#           "[runs NAME ARGS]"), comma-separated, or "-": a test that runs none of a
#           lesson's programs demonstrates the layer, it does not check the student's code.
#   STEP    the step the test is about, for ordering a report by step: the TODO's
#           step, else the last narrated step, else the N of the test's name
#           (Suite.StepN_... or Suite.StepNName), else 999.
# With -v dump=FILE, the output of each test that did not pass or skip is written to
# FILE too, one line per line: TEST <TAB> LINE-NUMBER <TAB> TEXT (check-lesson.sh
# prints it by step).
# One ctest test may run several GoogleTest tests in one process (socklab_add_lesson's
# ONE_PROCESS suites: lesson 12's network is built once for its steps). When its output
# holds each of them whole, "[ RUN      ] S.T" to "[       OK ] S.T (N ms)" (or FAILED,
# SKIPPED), each gets its own line, named S.T as if ctest had run it alone, with its own
# result, step, programs and output: a step that fails costs that step, not the group's
# others. Output cut short (ctest keeps 1 KiB of a passing test's output unless run with
# --test-output-size-passed, as every script here does) or a crash inside a test leaves
# the one line of the ctest test.
# POSIX awk; used by check-lesson.sh, progress.sh and check-student-edition.sh.

function attr(s, key,   pat) {
  pat = key "=\"[^\"]*\""
  if (!match(s, pat)) return ""
  return substr(s, RSTART + length(key) + 2, RLENGTH - length(key) - 3)
}
function unxml(s) {
  gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s)
  gsub(/&apos;/, "'", s); gsub(/&#10;/, " ", s); gsub(/&amp;/, "\\&", s)
  return s
}
function start(line) {
  name = unxml(attr(line, "name")); status = attr(line, "status")
  failed = 0; message = ""; skipped = 0; finished = 0; todo = ""; step = ""; out = 0
  runs = ""; cause = ""; want_cause = 0; nlines = 0; narrated = ""
  tests = 0; inside = 0
}
# A TODO line as quoted inside another message: "...: failed: CMD (prog: error:
# TODO(step 1): ... not written yet)" or 'exception "TODO(step 1): ..." thrown in the
# test body.' — the quote's end and the parentheses that are not its own cut off.
function own_text(s,   opened, closed) {
  if (index(s, "\"") > 0) s = substr(s, 1, index(s, "\"") - 1)
  opened = gsub(/\(/, "(", s); closed = gsub(/\)/, ")", s)
  while (closed > opened && s ~ /\)[ \t]*$/) { sub(/\)[ \t]*$/, "", s); closed-- }
  sub(/[ \t]+$/, "", s)
  return s
}
function digits(s) {  # the number at the start of s
  match(s, /^[0-9]+/)
  return substr(s, 1, RLENGTH) + 0
}
# One line: RESULT, the test T, its TODO, last step line, step number, programs, skip
# cause, and its output lines FIRST..LAST (for the dump).
function row(result, t, ttodo, tstep, tnarrated, truns, tcause, first, last,   detail, n, i) {
  detail = (result == "pass" || result == "skip") ? "" : (ttodo != "" ? ttodo : tstep)
  if (result == "crash") detail = "did not finish (crashed or timed out)" (detail == "" ? "" : "; " detail)
  if (result == "skip") {
    detail = tcause
    if (detail == "" && message != "") detail = message
    if (detail == "" && status == "disabled") detail = "disabled in ctest"
    if (detail == "") detail = "skipped (it gave no reason)"
  }
  gsub(/\t/, " ", detail)
  if (length(detail) > 110) detail = substr(detail, 1, 107) "..."
  # The step, for ordering: the program's TODO, the narration, the test's name.
  n = 999
  if (match(ttodo, /TODO\(step [0-9]+\)/)) n = digits(substr(ttodo, RSTART + 10))
  else if (tnarrated != "") n = tnarrated + 0
  else if (match(t, /\.Step[0-9]+/)) n = digits(substr(t, RSTART + 5))
  printf "%s\t%s\t%s\t%s\t%d\n", result, t, detail, (truns == "" ? "-" : truns), n
  if (dump != "" && result != "pass" && result != "skip") {
    for (i = first; i <= last; i++) printf "%s\t%d\t%s\n", t, i - first + 1, lines[i] > dump
  }
}
function emit(   result, k, whole) {
  if (status == "notrun" || status == "disabled" || skipped) result = "skip"
  else if (!failed) result = "pass"
  else if (name ~ /_NOT_BUILT$/) result = "notbuilt"
  else if (!finished) result = "crash"
  else result = "fail"
  # Several GoogleTest tests, each whole: a line each.
  whole = (tests >= 2 && !inside && result != "crash" && result != "notbuilt")
  for (k = 1; k <= tests && whole; k++) if (t_result[k] == "") whole = 0
  if (whole) {
    for (k = 1; k <= tests; k++)
      row(t_result[k], t_name[k], t_todo[k], t_step[k], t_narrated[k], t_runs[k], t_cause[k],
          t_first[k], t_last[k])
  } else {
    row(result, name, todo, step, narrated, runs, cause, 1, nlines)
  }
  name = ""
}

/<testcase / {
  start($0)
  if ($0 ~ /\/>[ \t]*$/) emit()
  next
}
name != "" && /<failure/ { failed = 1; message = unxml(attr($0, "message")) }
name != "" && /<skipped/ { skipped = 1; message = unxml(attr($0, "message")) }
name != "" && /<system-out>/ { out = 1; sub(/^.*<system-out>/, "") }
out {
  # A line is read as its first 2,000 bytes: what is looked for (a step, a TODO, a
  # program's name, a result) is at its start, and the patterns below, unanchored,
  # take time that grows with the square of a line's length (a test that narrates the
  # 100 KB argument it gave a program made one run of this file take 45 s).
  line = substr($0, 1, 2000)
  if (length($0) > 2000) line = line " ... (" length($0) " bytes)"
  sub(/<\/system-out>.*$/, "", line)
  line = unxml(line)
  lines[++nlines] = line
  # One GoogleTest test begins: what follows is its own too, until its result line.
  if (match(line, /^\[ RUN      \] /)) {
    k = ++tests; inside = 1; t_name[k] = substr(line, RLENGTH + 1); t_result[k] = ""
    t_todo[k] = ""; t_step[k] = ""; t_narrated[k] = ""; t_runs[k] = ""; t_cause[k] = ""
    t_first[k] = nlines
  }
  ltodo = ""
  if (match(line, /[A-Za-z0-9_.-]+: error: TODO\(step [0-9]+\).*/)) {
    ltodo = own_text(substr(line, RSTART, RLENGTH))
  } else if (match(line, /TODO\(step [0-9]+\).*/)) {
    ltodo = own_text(substr(line, RSTART, RLENGTH))
  }
  if (todo == "") todo = ltodo
  if (inside && t_todo[k] == "") t_todo[k] = ltodo
  # A step's line, in English or Chinese (tests/support/narrate.cpp): "  step 3/6 ..."
  # or "  第 3/6 步 ..."; its number is the first digits after the indent.
  if (match(line, /^  (step|第) [0-9]+\/[0-9]+ /)) {
    step = substr(line, 3); sn = step; sub(/^[^0-9]*/, "", sn); narrated = digits(sn)
    if (inside) { t_step[k] = step; t_narrated[k] = narrated }
  }
  if (match(line, /^  \[runs [A-Za-z0-9_.-]+/)) {
    program = substr(line, RSTART + 8, RLENGTH - 8)
    if (index("," runs ",", "," program ",") == 0) runs = (runs == "" ? program : runs "," program)
    if (inside && index("," t_runs[k] ",", "," program ",") == 0)
      t_runs[k] = (t_runs[k] == "" ? program : t_runs[k] "," program)
  }
  # GoogleTest's skip: "FILE:LINE: Skipped", then the GTEST_SKIP() message.
  if (want_cause && line ~ /[^ \t]/) {
    if (line !~ /^\[  SKIPPED \]/) { cause = line; sub(/^[ \t]+/, "", cause) }
    if (inside && line !~ /^\[  SKIPPED \]/) t_cause[k] = cause
    want_cause = 0
  }
  if (line ~ /: Skipped[ \t]*$/) want_cause = 1
  # Its result: "[       OK ] S.T (N ms)", FAILED or SKIPPED ("S.T, where GetParam() =
  # ... (N ms)" for a parameterized one; the list at the end, without them, is not one).
  if (inside && (index(line, "] " t_name[k] " (") > 0 || index(line, "] " t_name[k] ", where") > 0) &&
      match(line, /^\[ +(OK|FAILED|SKIPPED) +\] /)) {
    t_result[k] = line ~ /^\[ +OK/ ? "pass" : (line ~ /FAILED/ ? "fail" : "skip")
    t_last[k] = nlines; inside = 0
  }
  if (line ~ /^\[  (PASSED  |FAILED  |SKIPPED )\] [0-9]+ test/) finished = 1
  if (line ~ /^\[  SKIPPED \] [0-9]+ test/) skipped = 1
}
/<\/system-out>/ { out = 0 }
name != "" && /<\/testcase>/ { emit() }
