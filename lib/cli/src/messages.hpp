// messages.hpp — the catalogues behind cli::tr() (internal to lib/cli).
#pragma once

#include <span>

#include "socklab/cli/language.hpp"

namespace socklab::cli::messages {

// English -> Chinese, one entry per message (messages_zh_cn.cpp).
std::span<const Translation> chinese() noexcept;

}  // namespace socklab::cli::messages
