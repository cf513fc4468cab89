#!/usr/bin/env bash
# index.sh — OUT/index.html, the class's page, from what grade.sh wrote in OUT
# (docs/grading.md#the-reports): each entry's pass rate across the class (which step
# the class found hard), then each student with links to their reports and to the
# flight recorder's ladders of their failing tests. grade.sh runs it at the end;
# run it again on an OUT to remake the page.   Usage: index.sh OUT
set -uo pipefail
out=${1:?usage: index.sh OUT}
[ -f "$out/class.csv" ] || { echo "index.sh: $out/class.csv is not there (not a grade.sh OUT?)" >&2; exit 2; }
names=$(mktemp)
trap 'rm -f "$names"' EXIT
tail -n +2 "$out/class.csv" | sed 's/,.*//' >"$names"
count=$(wc -l <"$names")
html() { sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'; }
{
  printf '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>socklab grades</title>\n'
  printf '<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .6em;text-align:left}'
  printf '.bar{background:#4a4;height:.8em;display:inline-block}.rest{background:#ddd;height:.8em;display:inline-block}</style></head>\n<body>\n'
  printf '<h1>socklab grades: %s submissions</h1>\n' "$count"
  printf '<h2>Exercises</h2>\n<table>\n<tr><th>exercise</th><th>passed</th><th></th><th>visibility</th></tr>\n'
  while IFS= read -r name; do [ -f "$out/$name/exercises.tsv" ] && cat "$out/$name/exercises.tsv"; done <"$names" |
    awk -F '\t' '{ k = $1 "\t" $6; if (!(k in n)) order[++m] = k; n[k] += 0
                   if ($4 != "ungraded") { n[k]++; if ($4 == "passed") p[k]++ } }
      END { for (i = 1; i <= m; i++) { k = order[i]; split(k, f, "\t")
              r = (n[k] > 0 ? int(100 * p[k] / n[k] + 0.5) : 0)
              printf "%s\t%d\t%d\t%d\t%s\n", f[1], p[k] + 0, n[k], r, f[2] } }' |
    while IFS=$'\t' read -r title passed graded rate vis; do
      printf '<tr><td>%s</td><td>%s of %s (%s%%)</td><td><span class="bar" style="width:%spx"></span><span class="rest" style="width:%spx"></span></td><td>%s</td></tr>\n' \
        "$(printf '%s' "$title" | html)" "$passed" "$graded" "$rate" "$((rate * 2))" "$((200 - rate * 2))" "$vis"
    done
  printf '</table>\n<h2>Students</h2>\n<table>\n<tr><th>student</th><th>points</th><th>reports</th></tr>\n'
  tail -n +2 "$out/class.csv" | while IFS= read -r line; do
    name=${line%%,*}
    pts=$(awk -F '\t' '$4 != "ungraded" { s += $2; m += $3 } END { printf "%s of %s", s + 0, m + 0 }' "$out/$name/exercises.tsv")
    # The ladders: numbered, each named by its test in the link's title.
    ladders=$(cd "$out/$name" && ls lesson*/failures/*.html 2>/dev/null | while IFS= read -r l; do
      t=${l##*/}
      n=$((${n:-0} + 1))
      [ "$n" -gt 1 ] || printf ' ladders:'
      printf ' <a href="%s/%s" title="%s">%s</a>' "$name" "$l" "$(printf '%s' "${t%.html}" | html)" "$n"
    done)
    printf '<tr><td>%s</td><td>%s</td><td><a href="%s/summary.txt">summary</a> <a href="%s/results.json">results.json</a> <a href="%s/results-prairielearn.json">PrairieLearn</a> <a href="%s/junit.xml">JUnit</a>%s</td></tr>\n' \
      "$name" "$pts" "$name" "$name" "$name" "$name" "$ladders"
  done
  printf '</table>\n</body>\n</html>\n'
} >"$out/index.html"
