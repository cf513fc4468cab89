# say.sh — the language of the scripts' own lines, sourced by check-lesson.sh and
# progress.sh (`. scripts/say.sh`). English, or Chinese (中文) with SOCKLAB_LANG=zh-CN,
# or from the locale (the first of LC_ALL, LC_MESSAGES, LANG that is set; zh* means
# Chinese), as the tour chooses (scripts/tour.sh). SOCKLAB_LANG wins over the locale;
# SOCKLAB_LANG=en forces English. Every line a student reads is
# `say "English" "中文"`, the pair side by side; what tests and programs print is
# quoted as it is, in both languages.
# shellcheck shell=sh

# say "English" "中文": one line in the chosen language.
say() {
  if [ "$say_lang" = zh ]; then printf '%s\n' "$2"; else printf '%s\n' "$1"; fi
}
# pick "English" "中文": the same, without the newline (a part of a line).
pick() {
  if [ "$say_lang" = zh ]; then printf '%s' "$2"; else printf '%s' "$1"; fi
}

say_lang=en
if [ -n "${SOCKLAB_LANG:-}" ]; then
  say_asked=$SOCKLAB_LANG
else
  say_asked=${LC_ALL:-${LC_MESSAGES:-${LANG:-}}}
fi
case $say_asked in
  zh*) say_lang=zh ;;
  *) ;;
esac
