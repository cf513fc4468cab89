// socklab/observe/recorder.hpp — lesson 03's lab notebook: captures the segments of one
// connection and notes, at each step of the program, the states of both ends.
//
//   Recorder rec(server.local_address());  // before the client connects
//   client.connect(...);  rec.set_client(client.local_address());
//   rec.step("client: connect()", client, conn);
//   ...
//   Conversation c = rec.finish();         // reads the capture, ~250 ms after the last step
//   fmt::print("{}", render_ladder(c));
//
// Without CAP_NET_RAW (or on a platform without a capture) the recorder keeps
// the states only: capturing() is false and capture_error() says why.
#pragma once

#include <chrono>
#include <string>
#include <system_error>
#include <vector>

#include "socklab/address.hpp"
#include "socklab/observe/capture.hpp"
#include "socklab/observe/ladder.hpp"
#include "socklab/observe/pcap.hpp"
#include "socklab/socket.hpp"

namespace socklab::observe {

class Recorder {
 public:
  /// Starts capturing the segments to or from `server`'s port on loopback.
  explicit Recorder(const Address& server);

  bool capturing() const noexcept { return capture_.is_open(); }
  /// Why there is no capture (empty while capturing).
  const std::error_code& capture_error() const noexcept { return capture_error_; }

  /// The client's end of the connection, once known (getsockname after connect).
  void set_client(const Address& client) { client_ = client; }
  const Address& client() const noexcept { return client_; }
  const Address& server() const noexcept { return server_; }

  /// Notes what the program just did and asks the kernel for both ends' states:
  /// TCP_INFO on a socket that is still open, else the kernel's table by 4-tuple.
  /// `server` is the accepted socket (closed or empty before accept()).
  StepNote step(std::string what, const Socket& client, const Socket& server);

  /// Reads the capture until `linger` after the last step (late segments, such
  /// as a delayed ACK, still arrive), and returns this connection.
  Conversation finish(std::chrono::milliseconds linger = std::chrono::milliseconds(250));

  /// The captured packets of this connection as a pcap file (after finish()).
  pcap::File pcap_file() const;

 private:
  Address server_, client_;
  Capture capture_;
  std::error_code capture_error_;
  std::vector<StepNote> steps_;
  std::chrono::steady_clock::time_point last_step_;
  std::vector<CapturedPacket> raw_;      // everything captured, in arrival order
  std::vector<CapturedPacket> packets_;  // of this connection, in time order
};

}  // namespace socklab::observe
