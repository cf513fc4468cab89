// tour_check.hpp — the check that every line the tour (scripts/tour.sh, `make run`)
// says of its own comes in both languages (ctest -L docs; ctest -R '^Tour' alone).
//
// The tour's convention (see the script's head): each explanatory line is a call
//   say "English" "中文"        (banner and fail take the same pair)
// so that SOCKLAB_LANG=zh-CN (or a zh locale) picks the second. The programs' own
// output is not translated and is not the script's text. The check reads the script
// as the shell would split it (quotes, $(...), ${...}, line continuations, comments,
// redirections) and reports:
//   - a say/banner/fail call without exactly two arguments (one language left out);
//   - a pair whose second argument has no Chinese character, or whose first has one
//     (left untranslated, or the two swapped);
//   - a pair whose two lines name different variables ($BIN in English, not in Chinese:
//     the command the student is told to type would differ);
//   - any echo, and any printf with words in it that is not piped into a program
//     (a line that bypasses say), and any here-document;
//   - a script without one say (the check would be checking nothing).
// Other scripts in the same convention name their own pair functions: `make doctor`
// (scripts/doctor.sh) builds its table's rows with pick, thing, enables, why and fix.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tour {

struct Problem {
  int line = 0;         // 1-based line where the command starts
  std::string message;  // what is wrong, quoting the command
};

// The functions that take a pair "English" "中文"; a say "$@" passing a pair on is not one.
inline const std::set<std::string> tour_pairs = {"say", "banner", "fail"};

std::vector<Problem> check(std::string_view script,
                           const std::set<std::string>& pairs = tour_pairs);

}  // namespace tour
