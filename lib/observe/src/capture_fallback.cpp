// capture_fallback.cpp — every platform without a packet capture yet (macOS,
// Windows, the BSDs): the capture reports "operation not supported". Lesson 03
// then shows the states it can see and says what is missing.
//
// Windows could later capture with a raw socket and SIO_RCVALL.
#include "socklab/observe/capture.hpp"

namespace socklab::observe {

namespace {
std::error_code not_supported() noexcept {
  return std::make_error_code(std::errc::operation_not_supported);
}
}  // namespace

void Capture::keep_arrival_stamps_on() noexcept {}

Capture Capture::loopback(std::uint16_t, std::error_code& ec) noexcept {
  ec = not_supported();
  return Capture{};
}

Capture Capture::on_interface(std::string_view, std::uint16_t, Transport,
                              std::error_code& ec) noexcept {
  ec = not_supported();
  return Capture{};
}

std::optional<CapturedPacket> Capture::next(std::chrono::steady_clock::time_point,
                                            std::error_code& ec) {
  ec = not_supported();
  return std::nullopt;
}

}  // namespace socklab::observe
