// Lesson 12 — route_lookup: the decision a router makes for every packet.
//
// Give it a routing table as `ip route` prints it and some destination
// addresses; for each it prints the route the longest prefix match picks:
//
//   $ ip route > table.txt        # or: ip -n socklab-42-r1 route
//   $ route_lookup --table table.txt 10.12.4.7 10.99.0.1
//   10.12.4.7 via 10.12.2.2 dev eth1  (longest match: 10.12.4.0/24)
//   no route to 10.99.0.1  (a router answers: ICMP network unreachable)
//
// The first words of each line are what `ip route get ADDRESS` says, so a test
// can compare the two. The lookup itself is lab::route_lookup() in
// lib/lab/src/route.cpp: that is the part you write (step 1).
//
// Docs: docs/lessons/12-routing.md
#include <socklab/lab/route.hpp>
#include <socklab/socklab.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>

using namespace socklab;

int main(int argc, char** argv) {
  cli::Parser args("route_lookup", "Lesson 12: longest prefix match over an `ip route` table.");
  args.option("--table", "FILE", "-", "the routing table, as `ip route` prints it (- = stdin)")
      .positionals("ADDRESS", "IPv4 destinations to look up");
  return cli::run(argc, argv, args, [&] {
    if (args.words().empty()) throw cli::UsageError(cli::tr("give at least one ADDRESS"));
    // 1. Read the table: each line "PREFIX [via ROUTER] [dev INTERFACE] ...".
    std::string text;
    const std::string file = args.get("--table");
    if (file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      // A directory opens like a file on Linux and reads as nothing: say so.
      std::error_code ec;
      if (std::filesystem::is_directory(file, ec))
        throw std::runtime_error(
            cli::trf("cannot read {}: it is a directory", printable(file, 60)));
      std::ifstream in(file);
      if (!in) throw std::runtime_error(cli::trf("cannot read {}", printable(file, 60)));
      std::ostringstream all;
      all << in.rdbuf();
      if (in.bad()) throw std::runtime_error(cli::trf("cannot read {}", printable(file, 60)));
      text = all.str();
    }
    std::vector<lab::Route> table;
    try {
      table = lab::parse_routes(text);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(e.what());
    }

    // 2. For each address: of the routes whose prefix contains it, the longest wins.
    for (const std::string& word : args.words()) {
      std::uint32_t destination = 0;
      try {
        destination = lab::parse_ipv4(word);
      } catch (const std::invalid_argument& e) {
        throw cli::UsageError(e.what());
      }
      std::optional<lab::Route> route = lab::route_lookup(table, destination);
      if (route)
        cli::say("{}  (longest match: {})", lab::describe(route, destination),
                 route->destination.to_string());
      else
        cli::say("{}  (a router answers: ICMP network unreachable)",
                 lab::describe(route, destination));
    }
    return 0;
  });
}
