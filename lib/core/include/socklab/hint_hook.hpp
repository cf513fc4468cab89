// socklab/hint_hook.hpp — the one seam between an Error's hint and the student's language.
//
// Lessons never use this. Error::what() ends with a hint ("— is the server running?",
// hint_for()); the core writes it in English and reads no environment variable, so
// it cannot know the student's language. lib/cli can: cli::run() (and the tests'
// support library) installs a hook that turns the English hint into the chosen
// language (socklab/cli/language.hpp). The call, its address and the error's own
// text ("Connection refused") stay as the system says them. docs/layer.md, Errors.
//
// The other rooms below lib/cli (lab, observe) write what they tell a student — why
// a lab cannot run here and its fix, what to do about a capture that failed — through
// the same hook, with tr() and trf() below: they may not call cli::tr() (lib/cli sits
// above them), and the docs check (MessagesCheck.*) finds their texts in the
// catalogue as it finds cli::tr()'s.
//
//   return hint_hook::trf("WSL1 has no network namespaces{}: switch ...", {why});
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace socklab::hint_hook {

/// Called with each hint, in English, as an Error builds its message; returns the
/// text to show instead.
using Function = std::string (*)(std::string_view english);

/// Installs `hook` for the whole process; nullptr removes it.
void install(Function hook) noexcept;

/// The hook in force, or nullptr.
Function installed() noexcept;

/// `english` through the hook in force: the student's language once lib/cli has
/// installed it, else the English itself.
std::string tr(std::string_view english);

/// tr(english), then each {} replaced by the next of `values`, in order ("{{" and "}}"
/// are braces). A translation whose {} are not as many as the values falls back to the
/// English, filled the same way (and an English whose {} are not either, to itself).
std::string trf(std::string_view english, std::initializer_list<std::string_view> values);

}  // namespace socklab::hint_hook
