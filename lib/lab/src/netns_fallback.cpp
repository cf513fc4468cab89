// netns_fallback.cpp — network namespaces exist on Linux only; elsewhere every
// call reports std::errc::operation_not_supported (lesson 04's routing demo then
// explains what it would have shown).
#include "socklab/lab/netns.hpp"

namespace socklab::lab {

NetNamespace NetNamespace::open(std::string_view, std::error_code& ec) noexcept {
  ec = std::make_error_code(std::errc::operation_not_supported);
  return {};
}

NetNamespace NetNamespace::current(std::error_code& ec) noexcept {
  ec = std::make_error_code(std::errc::operation_not_supported);
  return {};
}

void NetNamespace::enter(std::error_code& ec) const noexcept {
  ec = std::make_error_code(std::errc::operation_not_supported);
}

}  // namespace socklab::lab
