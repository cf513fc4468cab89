# say.sh — the language of the scripts' own lines, sourced by tour.sh, check-lesson.sh
# and progress.sh (`. scripts/say.sh`): the one place that chooses it. English, or
# Chinese (中文) with SOCKLAB_LANG=zh-CN, or from the locale (the first of LC_ALL,
# LC_MESSAGES, LANG that is set, as for any program; zh* means Chinese). SOCKLAB_LANG
# wins over the locale; SOCKLAB_LANG=en forces English; any other value of it is
# answered by one warning line on stderr (the script's name first), and English.
# Every line a student reads is `say "English" "中文"`, the pair side by side; what
# tests and programs print is quoted as it is, in both languages.
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
  "" | en* | C | C.* | POSIX) ;;
  *)
    # Only a value asked for by name is a mistake to point out; a locale we have no
    # language for (de_DE.UTF-8) is simply English.
    if [ -n "${SOCKLAB_LANG:-}" ]; then
      say_me=${0##*/}
      say_me=${say_me%.sh}
      say "$say_me: SOCKLAB_LANG=$SOCKLAB_LANG: socklab's scripts speak en and zh-CN; English it is" \
          "$say_me：SOCKLAB_LANG=$SOCKLAB_LANG：socklab 的脚本只有 en 和 zh-CN 两种语言；使用英文" >&2
    fi
    ;;
esac
