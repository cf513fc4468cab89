// socklab/hint_hook.hpp — the one seam between an Error's hint and the student's language.
//
// Lessons never use this. Error::what() ends with a hint ("— is the server running?",
// hint_for()); the core writes it in English and reads no environment variable, so
// it cannot know the student's language. lib/cli can: cli::run() (and the tests'
// support library) installs a hook that turns the English hint into the chosen
// language (socklab/cli/language.hpp). The call, its address and the error's own
// text ("Connection refused") stay as the system says them. docs/layer.md, Errors.
#pragma once

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

}  // namespace socklab::hint_hook
