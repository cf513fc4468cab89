// capture_common.cpp — the parts of Capture that are the same on every platform.
#include <fmt/format.h>

#include "socklab/error.hpp"
#include "socklab/hint_hook.hpp"
#include "socklab/observe/capture.hpp"

namespace socklab::observe {

Capture Capture::loopback(std::uint16_t port) {
  std::error_code ec;
  Capture c = loopback(port, ec);
  throw_if(ec, "socket(AF_PACKET)", fmt::format("lo, port {}", port));
  return c;
}

Capture Capture::on_interface(std::string_view interface_name, std::uint16_t port) {
  std::error_code ec;
  Capture c = on_interface(interface_name, port, ec);
  throw_if(ec, "socket(AF_PACKET)", fmt::format("{}, port {}", interface_name, port));
  return c;
}

Capture Capture::on_interface(std::string_view interface_name, std::uint16_t port,
                              Transport transport) {
  std::error_code ec;
  Capture c = on_interface(interface_name, port, transport, ec);
  throw_if(ec, "socket(AF_PACKET)", fmt::format("{}, port {}", interface_name, port));
  return c;
}

Capture Capture::on_interface(std::string_view interface_name, std::uint16_t port,
                              std::error_code& ec) noexcept {
  return on_interface(interface_name, port, Transport::tcp, ec);
}

std::vector<CapturedPacket> Capture::read_until(std::chrono::steady_clock::time_point deadline,
                                                std::error_code& ec) {
  ec.clear();
  std::vector<CapturedPacket> packets;
  // Bounded twice: by the deadline, and by a count no lesson comes near.
  for (int i = 0; i < 100000; ++i) {
    auto p = next(deadline, ec);
    if (ec || !p) break;
    packets.push_back(std::move(*p));
  }
  return packets;
}

std::vector<CapturedPacket> Capture::read_until(std::chrono::steady_clock::time_point deadline) {
  std::error_code ec;
  auto packets = read_until(deadline, ec);
  throw_if(ec, "recvmsg(AF_PACKET)");
  return packets;
}

std::string Capture::hint(const std::error_code& ec) {
  if (ec == std::errc::operation_not_permitted || ec == std::errc::permission_denied)
    return hint_hook::tr(
        "capturing packets needs CAP_NET_RAW: run as root (sudo), or give the program the "
        "capability once: sudo setcap cap_net_raw+ep PROGRAM");
  if (ec == std::errc::operation_not_supported)
    return hint_hook::tr(
        "packet capture is implemented for Linux only; the lesson shows the states instead");
  return "";
}

}  // namespace socklab::observe
