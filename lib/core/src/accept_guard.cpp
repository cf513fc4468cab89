// accept_guard.cpp — muduo's spare-descriptor trick (see accept_guard.hpp).
// Built on the layer's own Socket calls only: no platform code here.
#include "socklab/accept_guard.hpp"

#include <algorithm>

namespace socklab {

bool is_resource_shortage(const std::error_code& ec) noexcept {
  return ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system ||
         ec == std::errc::no_buffer_space || ec == std::errc::not_enough_memory;
}

bool is_client_accept_error(const std::error_code& ec) noexcept {
  return ec && ec != std::errc::operation_would_block && ec != std::errc::timed_out &&
         !is_resource_shortage(ec) && ec != std::errc::bad_file_descriptor &&
         ec != std::errc::invalid_argument && ec != std::errc::not_a_socket &&
         ec != std::errc::bad_address;
}

AcceptGuard::AcceptGuard(std::chrono::milliseconds report_every) noexcept
    : report_every_(report_every) {
  std::error_code ec;
  spare_ = Socket::udp(Family::ipv4, ec);  // may fail: then the guard only backs off
}

Accepted AcceptGuard::accept(Socket& listener, std::error_code& ec) noexcept {
  return take(listener, false, ec);
}
Accepted AcceptGuard::accept_non_blocking(Socket& listener, std::error_code& ec) noexcept {
  return take(listener, true, ec);
}

Accepted AcceptGuard::take(Socket& listener, bool non_blocking, std::error_code& ec) noexcept {
  auto accept_one = [&] {
    return non_blocking ? listener.accept_non_blocking(ec) : listener.accept(ec);
  };
  Accepted client = accept_one();
  // A client that failed in the queue is gone: take the next one (bounded).
  for (int i = 0; i < 64 && is_client_accept_error(ec); ++i) {
    ++client_errors_;
    client = accept_one();
  }
  if (!ec) {
    pause_ = std::chrono::milliseconds(0);
    return client;
  }
  if (!is_resource_shortage(ec)) return client;
  ++shortages_;
  last_error_ = ec;
  const std::error_code shortage = ec;
  bool shed = false;
  if (spare_.is_open()) {
    std::error_code ignored;
    spare_.close(ignored);                       // 1. one descriptor free
    Accepted excess = listener.accept(ignored);  // 2. the waiting client takes it
    if (!ignored) {
      excess.socket.close(ignored);  // 3. and is closed unserved
      ++turned_away_;
      shed = true;
    }
  }
  if (!spare_.is_open()) {
    std::error_code again;
    spare_ = Socket::udp(Family::ipv4, again);  // 4. the spare back (if we can)
  }
  using std::chrono::milliseconds;
  if (shed && spare_.is_open())
    pause_ = milliseconds(0);  // progress was made: the caller may go on at once
  else
    pause_ = std::clamp(pause_ * 2, milliseconds(10), milliseconds(1000));
  ec = shortage;
  return {};
}

std::optional<std::string> AcceptGuard::report() {
  if (shortages_ == shortages_reported_) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  if (reported_once_ && now - last_report_ < report_every_) return std::nullopt;
  const auto failures = shortages_ - shortages_reported_;
  const auto shed = turned_away_ - turned_away_reported_;
  std::string line = "accept: " + last_error_.message() + ": " + std::to_string(failures) +
                     (failures == 1 ? " time" : " times") + ", " + std::to_string(shed) +
                     (shed == 1 ? " client" : " clients") + " closed unserved" +
                     (reported_once_ ? " since the last report" : "") +
                     (spare_.is_open() ? "" : "; no spare descriptor, accepting paused");
  reported_once_ = true;
  last_report_ = now;
  shortages_reported_ = shortages_;
  turned_away_reported_ = turned_away_;
  return line;
}

}  // namespace socklab
