# junit.awk — reads the JUnit file of a ctest run (ctest --output-junit FILE) and
# prints one line per test:   STATUS <TAB> TEST <TAB> DETAIL <TAB> RUNS
#   STATUS  pass, fail, crash (the test program did not finish its run: a signal,
#           an abort or ctest's timeout), skip, notbuilt (its program does not compile)
#   DETAIL  for a test that did not pass: the lesson step the failure points at —
#           "PROGRAM: error: TODO(step N): ..." from a program's error line, else the
#           last step the test narrated ("step 3/6 listen(...): ...").
#   RUNS    the programs the test started (tests/support/programs.cpp narrates
#           "[runs NAME ARGS]"), comma-separated, or "-": a test that runs none of a
#           lesson's programs demonstrates the layer, it does not check the student's code.
# POSIX awk; used by progress.sh and check-student-edition.sh.

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
  runs = ""
}
function emit(   result, detail) {
  if (status == "notrun" || status == "disabled" || skipped) result = "skip"
  else if (!failed) result = "pass"
  else if (name ~ /_NOT_BUILT$/) result = "notbuilt"
  else if (!finished) result = "crash"
  else result = "fail"
  detail = (result == "pass" || result == "skip") ? "" : (todo != "" ? todo : step)
  if (result == "crash") detail = "did not finish (crashed or timed out)" (detail == "" ? "" : "; " detail)
  gsub(/\t/, " ", detail)
  if (length(detail) > 110) detail = substr(detail, 1, 107) "..."
  printf "%s\t%s\t%s\t%s\n", result, name, detail, (runs == "" ? "-" : runs)
  name = ""
}

/<testcase / {
  start($0)
  if ($0 ~ /\/>[ \t]*$/) emit()
  next
}
name != "" && /<failure/ { failed = 1; message = attr($0, "message") }
name != "" && /<skipped/ { skipped = 1 }
name != "" && /<system-out>/ { out = 1 }
out {
  line = unxml($0)
  if (todo == "" && match(line, /[A-Za-z0-9_.-]+: error: TODO\(step [0-9]+\).*/)) {
    todo = substr(line, RSTART, RLENGTH)
  } else if (todo == "" && match(line, /TODO\(step [0-9]+\).*/)) {
    todo = substr(line, RSTART, RLENGTH)
  }
  if (match(line, /^  step [0-9]+\/[0-9]+ /)) step = substr(line, 3)
  if (match(line, /^  \[runs [A-Za-z0-9_.-]+/)) {
    program = substr(line, RSTART + 8, RLENGTH - 8)
    if (index("," runs ",", "," program ",") == 0) runs = (runs == "" ? program : runs "," program)
  }
  if (line ~ /^\[  (PASSED  |FAILED  |SKIPPED )\] [0-9]+ test/) finished = 1
  if (line ~ /^\[  SKIPPED \] [0-9]+ test/) skipped = 1
}
/<\/system-out>/ { out = 0 }
name != "" && /<\/testcase>/ { emit() }
