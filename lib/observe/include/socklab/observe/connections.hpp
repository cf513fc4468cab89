// socklab/observe/connections.hpp — a capture's TCP segments, split into connections.
//
// A capture of real traffic holds many connections, interleaved. Each one is
// named by its 4-tuple (two addresses, two ports); its client is the side that
// sent the first SYN (or, for a capture that starts mid-connection, the sender
// of its first segment). A new SYN on a 4-tuple whose connection has ended
// (FIN both ways, or RST) starts a new connection: ports get reused.
//
//      capture ──► segments ──► split_connections() ──► Connection { client, server, segments }
//                                                          └──► Conversation ──► render_ladder()
//
// segment_notes() says in words what a segment is beyond its flags:
// a retransmission, a duplicate ACK, a zero window, a reset.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "socklab/address.hpp"
#include "socklab/observe/ladder.hpp"
#include "socklab/observe/packet.hpp"

namespace socklab::observe {

struct Connection {
  Address client;  ///< the side that sent the first SYN (see above)
  Address server;
  std::vector<packet::Segment> segments;  ///< in capture order
  bool saw_syn = false;                   ///< false: the capture began mid-connection
  std::size_t bytes_from_client = 0;      ///< payload bytes, retransmissions included
  std::size_t bytes_from_server = 0;
  std::chrono::nanoseconds duration() const noexcept;
  /// "closed: 4 segments: client FIN, ...", "reset by the server", "still open at the end".
  std::string ending() const;
  /// The connection as lesson 03's ladder takes it (no program steps).
  Conversation conversation() const;
};

/// Splits `segments` (in capture order) into connections, in the order their
/// first segment appears. Linear: each segment is looked at once (a capture of a
/// SYN flood, N SYNs on one address pair, is split in O(N), not O(N^2)).
std::vector<Connection> split_connections(const std::vector<packet::Segment>& segments);

/// One note per segment (empty when there is nothing to say): "retransmission",
/// "duplicate ACK #2", "zero window: the receiver's buffer is full",
/// "window update", "RST: connection aborted", "data not captured (snapshot length)".
std::vector<std::string> segment_notes(const std::vector<packet::Segment>& segments,
                                       const Address& client);

}  // namespace socklab::observe
