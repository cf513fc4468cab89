// scratch_fallback.cpp — network namespaces are Linux's: create() fails with
// std::errc::operation_not_supported, and missing_privileges() says where to run.
#include "socklab/error.hpp"
#include "socklab/hint_hook.hpp"
#include "socklab/lab/scratch.hpp"

namespace socklab::lab {

ScratchNamespace ScratchNamespace::create(std::string_view suffix) {
  throw Error(std::make_error_code(std::errc::operation_not_supported), "ip netns add",
              std::string(suffix));
}
void ScratchNamespace::enter() {
  throw Error(std::make_error_code(std::errc::operation_not_supported), "setns", name_);
}
void ScratchNamespace::run(const std::string& command) const {
  throw Error(std::make_error_code(std::errc::operation_not_supported), command, name_);
}
std::string ScratchNamespace::output(const std::string& command) const {
  throw Error(std::make_error_code(std::errc::operation_not_supported), command, name_);
}
ScratchNamespace::ScratchNamespace(ScratchNamespace&& other) noexcept
    : name_(std::move(other.name_)) {}
ScratchNamespace::~ScratchNamespace() = default;

std::string missing_privileges() {
  return hint_hook::tr(
      "Linux: TUN devices and network namespaces are not supported on this system "
      "(use WSL2 or a Linux VM, as root)");
}

std::optional<std::int64_t> snmp_counter(std::string_view, std::string_view) {
  return std::nullopt;
}

}  // namespace socklab::lab
