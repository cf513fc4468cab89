// ladder — draw the TCP connections of any capture file as lesson 03's ladder.
//
//   tcpdump -i lo -w my.pcap 'tcp port 8080'    (or tshark -w my.pcapng, or Wireshark)
//   ladder my.pcap --list                       the connections in the file
//   ladder my.pcap --connection 2               the second one, as a ladder
//   ladder my.pcap --svg my.svg --html my.html  the same as a picture and a web page
//
// It reads pcap and pcapng (lib/observe's capture_file.hpp), takes the link
// layer off (Ethernet, Linux cooked, raw IP, BSD loopback), decodes the TCP
// segments (headers only where the snapshot length cut the data off), splits them into connections
// by 4-tuple (connections.hpp) and draws one with the states RFC 9293's diagram gives them, marked
// as inferred, and retransmissions, duplicate ACKs, zero windows and resets called out in words.
//
// Docs: docs/captures.md
#include <socklab/observe/capture_file.hpp>
#include <socklab/observe/connections.hpp>
#include <socklab/observe/ladder.hpp>
#include <socklab/observe/packet.hpp>
#include <socklab/socklab.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

using namespace socklab;
using namespace socklab::observe;

int main(int argc, char** argv) {
  cli::Parser args("ladder", "Draw a TCP connection from a capture file (pcap or pcapng).");
  args.positionals("FILE", "the capture file (tcpdump -w, tshark -w, Wireshark)")
      .option("--port", "PORT", "0", "only connections with this port at either end (0: all)")
      .option("--connection", "N", "1", "which connection to draw (see --list)")
      .flag("--list", "list the connections: 4-tuple, segments, bytes, duration, ending")
      .flag("--lines", "one tcpdump-like line per segment instead of the ladder")
      .flag("--raw-seq", "absolute sequence numbers (default: relative, as Wireshark)")
      .option("--svg", "OUT.svg", "", "also write the ladder as an SVG picture")
      .option("--html", "OUT.html", "", "also write a web page: the SVG and a table of segments");

  return cli::run(argc, argv, args, [&] {
    if (args.words().size() != 1) throw cli::UsageError("give exactly one capture FILE");
    const std::string path = args.words().front();
    const auto port = static_cast<std::uint16_t>(args.integer("--port", 0, 65535));

    // 1. Read the file and decode every TCP segment in it.
    CaptureFile file = read_capture_file(path);
    DecodedFrames decoded = decode_frames(file);

    // 2. Split into connections; keep those on --port.
    std::vector<Connection> connections;
    for (Connection& c : split_connections(decoded.segments))
      if (port == 0 || c.client.port() == port || c.server.port() == port)
        connections.push_back(std::move(c));
    cli::say(
        "{}: {}, {} packets, {} TCP segments in {} connection(s){}{}{}", path, file.format,
        file.packets.size(), decoded.segments.size(), connections.size(),
        decoded.not_tcp ? fmt::format(", {} not TCP", decoded.not_tcp) : "",
        decoded.malformed ? fmt::format(", {} unreadable", decoded.malformed) : "",
        decoded.cut ? fmt::format(", {} with data cut by the snapshot length", decoded.cut) : "");
    if (connections.empty())
      throw std::runtime_error(port ? fmt::format("no TCP connection on port {} in {}", port, path)
                                    : fmt::format("no TCP connection in {}", path));

    // 3. --list: one line per connection.
    if (args.is_set("--list")) {
      for (std::size_t i = 0; i < connections.size(); ++i) {
        const Connection& c = connections[i];
        cli::say("{:>3}  {} -> {}  {} segments, {} + {} bytes, {:.3f} ms{}; {}", i + 1,
                 c.client.to_string(), c.server.to_string(), c.segments.size(), c.bytes_from_client,
                 c.bytes_from_server, static_cast<double>(c.duration().count()) / 1e6,
                 c.saw_syn ? "" : " (no SYN seen: began before the capture)", c.ending());
      }
      return 0;
    }

    // 4. Draw the chosen connection: the ladder, then the teardown in words.
    const auto n = static_cast<std::size_t>(
        args.integer("--connection", 1, static_cast<long long>(connections.size())));
    const Connection& chosen = connections[n - 1];
    const Conversation conversation = chosen.conversation();
    LadderOptions options;
    options.raw_seq = args.is_set("--raw-seq");
    options.notes = segment_notes(chosen.segments, chosen.client);
    cli::say("connection {} of {}: {} -> {}", n, connections.size(), chosen.client.to_string(),
             chosen.server.to_string());
    const bool lines = args.is_set("--lines");
    std::fputs((lines ? render_lines(conversation, options) : render_ladder(conversation, options))
                   .c_str(),
               stdout);
    cli::say("teardown: {}", chosen.ending());

    // 5. The pictures.
    if (!args.get("--svg").empty()) {
      write_text_file(args.get("--svg"), render_svg(conversation, options));
      cli::say("wrote {}", args.get("--svg"));
    }
    if (!args.get("--html").empty()) {
      write_text_file(
          args.get("--html"),
          render_html(conversation, options,
                      fmt::format("{} — connection {}: {} → {}", path, n, chosen.client.to_string(),
                                  chosen.server.to_string())));
      cli::say("wrote {}", args.get("--html"));
    }
    return 0;
  });
}
